package org.lde.engine;

/** Training losses, averaged over the batch. */
public enum Loss {
    /** {@code -log softmax(z)_y}, targets are class indices. */
    SOFTMAX_CROSS_ENTROPY,
    /** {@code 1/C sum_c (z_c - t_c)^2} per sample (PyTorch's MSELoss with mean reduction). */
    MSE
}
