package org.lde.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.model.Dense;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;

/**
 * The Wasserstein attack on a hand-built model whose minimal flipping transport cost is known:
 * f_1 - f_0 = z_2 - z_0 on three features in a row (a 1 x 1 x 3 image), x = (0.5, 0.3, 0.2) of mass 1,
 * label 0 (margin -0.3). Moving mass one position costs 1 per unit (p = 2) and raises z_2 - z_0 by
 * one unit per unit moved; a jump over two positions costs 4 per unit and raises it by 2. So no
 * transport of cost below 0.3 flips the decision, and cost 0.3 + a little does.
 */
class WassersteinAttackTest {

    private static WassersteinAttack attack(double eps) {
        return new WassersteinAttack(eps, 0.1, 15, new SinkhornProjection.Options(300, 5, 2, 20000, 1e-6));
    }

    @Test
    void belowTheMinimalCostNothingFlipsAndAboveItTheAttackFindsAFlip() {
        Network net = TestModels.binaryLinear(new double[] {-1, 0, 1}, 0);
        Tensor x = Tensor.of(Shape.of(2, 3), 0.5, 0.3, 0.2, 0.5, 0.3, 0.2);
        int[] labels = {0, 0};
        try (Backend be = Backends.cpu(net)) {
            WassersteinAttack.Result safe = attack(0.27).run(be, x, labels);
            assertEquals(1.0, safe.attack().robustAccuracy(), 0, "no transport of cost 0.27 can flip this model");
            for (double c : safe.planCost()) {
                assertTrue(c <= 0.27 * (1 + 1e-4), "plan cost " + c);
            }
            WassersteinAttack.Result broken = attack(0.4).run(be, x, labels);
            assertEquals(0.0, broken.attack().robustAccuracy(), 0, broken.attack().attack());
            double[] z = broken.attack().adversarial().data();
            for (int i = 0; i < 2; i++) {
                double mass = z[3 * i] + z[3 * i + 1] + z[3 * i + 2];
                assertEquals(1, mass, 1e-5, "mass is conserved");
                assertTrue(z[3 * i + 2] - z[3 * i] > 0, "the point is on the other side: " + z[3 * i + 2] + " - " + z[3 * i]);
                // transport cost of the point by LP is at most the budget (no mass left the box: no clip)
                assertFalse(broken.clipped()[i]);
                double w = SinkhornProjectionTest.transportCost(new SinkhornProjection(1, 1, 3, SinkhornProjection.Options.defaults()),
                        new double[] {0.5, 0.3, 0.2}, new double[] {z[3 * i], z[3 * i + 1], z[3 * i + 2]});
                assertTrue(w <= 0.4 * (1 + 1e-3) && w >= 0.3 - 1e-6, "W = " + w);
            }
            assertTrue(broken.attack().attack().startsWith("wasserstein(eps=0.4"), broken.attack().attack());
        }
    }

    @Test
    void inputsThatAreNotMassesAreRejected() {
        Network net = new Network(Shape.of(3), List.of(new Dense("fc", 3, 2, Tensor.of(Shape.of(2, 3), 0, 0, 0, -1, 0, 1),
                Tensor.zeros(2))), Task.CLASSIFICATION, List.of(), -1, 1);
        try (Backend be = Backends.cpu(net)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> attack(0.1).run(be, Tensor.of(Shape.of(1, 3), 0.5, -0.2, 0.1), new int[] {0}));
            assertTrue(e.getMessage().contains("masses") && e.getMessage().contains("-0.2"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> attack(0.1).run(be, Tensor.zeros(1, 3), new int[] {0}));
            assertTrue(e.getMessage().contains("positive mass"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> attack(-1));
        assertThrows(IllegalArgumentException.class, () -> new WassersteinAttack(0.1, 0, 3, SinkhornProjection.Options.defaults()));
    }
}
