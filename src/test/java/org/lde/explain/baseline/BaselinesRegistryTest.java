package org.lde.explain.baseline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;
import org.lde.testing.TestModels;
import org.lde.engine.Evaluation;

/** Every registered baseline is named as it names itself, returns finite maps of the input's shape, and is repeatable. */
class BaselinesRegistryTest {

    @Test
    void everyBaselineRunsWithItsDefaultsAndIsDeterministic() {
        List<String> names = Baselines.names();
        assertEquals(List.of("saliency", "saliency-abs", "grad-x-input", "ig-gl50", "ig-trap50", "smoothgrad", "gradcam", "rise",
                "occlusion", "l0-sensitivity", "deepfool", "bsm", "big"), names);
        try (Backend be = Backends.cpu(TestModels.smallCnn(3))) {
            Tensor x = TestModels.inputs(4, 2, 1, 8, 8);
            int[] y = Evaluation.argmax(be.forward(x));
            for (String n : names) {
                Attributor a = Baselines.create(n);
                assertEquals(n, a.name());
                Tensor phi = a.attribute(be, x, y);
                assertEquals(x.shape(), phi.shape(), n);
                phi.requireFinite(n);
                assertEquals(0, phi.maxAbsDiff(Baselines.create(n).attribute(be, x, y)), 0, n + " must be repeatable");
                assertEquals(0, x.maxAbsDiff(TestModels.inputs(4, 2, 1, 8, 8)), 0, n + " must not modify its input");
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Baselines.create("lime"));
        assertTrue(e.getMessage().contains("unknown attribution method 'lime'") && e.getMessage().contains("saliency"), e.getMessage());
    }
}
