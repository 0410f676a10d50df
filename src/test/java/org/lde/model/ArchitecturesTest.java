package org.lde.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.lde.tensor.Shape;

class ArchitecturesTest {

    /**
     * torchvision's resnet18() has 11,689,512 parameters; ours adds a bias to each of its 20 convolutions
     * (4,800 values) and counts the BatchNorm running means and variances (2 x 4,800) as parameters.
     */
    @Test
    void resnet18ShapedHasTorchvisionsShapeAndParameterCount() {
        Network net = Architectures.resnet18Shaped(1000, 1);
        assertFalse(net.sequential());
        assertEquals(11_689_512L + 4_800 + 9_600, net.parameterCount());
        int gap = 0;
        while (!(net.layers().get(gap) instanceof GlobalAvgPool)) {
            gap++;
        }
        assertEquals(Shape.of(512, 7, 7), net.inputShape(gap));
        assertEquals(1000, net.outputSize());
        Network folded = net.folded();
        long convs = folded.layers().stream().filter(l -> l instanceof Conv2d).count();
        assertEquals(20, convs, "1 stem + 16 block convs + 3 projections");
        assertEquals(0, folded.layers().stream().filter(l -> l instanceof BatchNorm || l instanceof Affine).count(),
                "every BatchNorm follows its own conv and folds");
    }

    @Test
    void fashionResNetIsAGraphWithTwoResidualJoins() {
        Network net = Architectures.fashionResNet(1);
        assertEquals(2, net.layers().stream().filter(l -> l instanceof Add).count());
        assertEquals(Shape.of(32, 7, 7), net.outputShape(net.indexOf("b2.relu")));
        assertEquals(10, net.outputSize());
    }
}
