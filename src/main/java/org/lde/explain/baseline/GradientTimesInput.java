package org.lde.explain.baseline;

import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * Gradient times input (Shrikumar et al. 2016): {@code phi_i = x_i * d f_y / d x_i (x)}. For a
 * linear model {@code f_y = w^T x + b} it is {@code w_i x_i}, the exact share of each feature in
 * {@code f_y(x) - f_y(0)}. One batched gradient pass.
 */
public final class GradientTimesInput implements Attributor {
    private final int chunkRows;

    public GradientTimesInput() {
        this(Batched.DEFAULT_CHUNK_ROWS);
    }

    public GradientTimesInput(int chunkRows) {
        Batched.requireChunk(chunkRows);
        this.chunkRows = chunkRows;
    }

    @Override
    public String name() {
        return "grad-x-input";
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        Tensor g = Batched.classGradients(backend, x, classes, chunkRows);
        double[] d = g.data();
        double[] xd = x.data();
        for (int i = 0; i < d.length; i++) {
            d[i] *= xd[i];
        }
        return g;
    }
}
