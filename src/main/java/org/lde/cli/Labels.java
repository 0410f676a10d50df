package org.lde.cli;

import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

final class Labels {
    private Labels() {
    }

    /** Class indices as the {@code [N]} target tensor that cross-entropy takes. */
    static Tensor asTargets(int[] labels) {
        double[] d = new double[labels.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = labels[i];
        }
        return new Tensor(Shape.of(labels.length), d);
    }
}
