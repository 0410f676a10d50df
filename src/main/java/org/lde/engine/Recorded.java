package org.lde.engine;

import org.lde.tensor.Tensor;

/**
 * What a recorded forward pass keeps for later reverse passes (activations, pooling arg-maxes,
 * ReLU masks). Owned by the backend that made it; only that backend may read it.
 */
public interface Recorded extends AutoCloseable {
    /** Batch size {@code N}. */
    int batch();

    /** The logits {@code [N, C]} of the pass. */
    Tensor logits();

    @Override
    void close();
}
