package org.lde.explain.baseline;

import org.lde.engine.Backend;
import org.lde.explain.Attributor;
import org.lde.tensor.Tensor;

/**
 * Gradient saliency (Simonyan et al. 2014): {@code phi_i = d f_y / d x_i (x)}, the gradient of
 * the explained class's logit, signed; the {@link #absolute()} variant returns {@code |phi_i|}.
 * One recorded forward and one reverse pass (one seed per sample) per chunk of samples.
 */
public final class Saliency implements Attributor {
    private final boolean abs;
    private final int chunkRows;

    private Saliency(boolean abs, int chunkRows) {
        Batched.requireChunk(chunkRows);
        this.abs = abs;
        this.chunkRows = chunkRows;
    }

    /** The signed gradient. */
    public static Saliency signed() {
        return new Saliency(false, Batched.DEFAULT_CHUNK_ROWS);
    }

    /** The absolute value of the gradient. */
    public static Saliency absolute() {
        return new Saliency(true, Batched.DEFAULT_CHUNK_ROWS);
    }

    /** The same method with another bound on the rows of one backend call. */
    public Saliency withChunkRows(int rows) {
        return new Saliency(abs, rows);
    }

    @Override
    public String name() {
        return abs ? "saliency-abs" : "saliency";
    }

    @Override
    public Tensor attribute(Backend backend, Tensor x, int[] classes) {
        Batched.checkAttributionInput(backend, x, classes);
        Tensor g = Batched.classGradients(backend, x, classes, chunkRows);
        if (abs) {
            double[] d = g.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = Math.abs(d[i]);
            }
        }
        return g;
    }
}
