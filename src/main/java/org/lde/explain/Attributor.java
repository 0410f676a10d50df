package org.lde.explain;

import org.lde.engine.Backend;
import org.lde.tensor.Tensor;

/**
 * Anything that produces an attribution map per input: the Lagrange dual explainer and every
 * baseline (saliency, integrated gradients, Grad-CAM, ...). Metrics (AOPC, deletion/insertion,
 * infidelity, max-sensitivity) take an {@code Attributor}, so every method is measured by the
 * same protocol on the same backend and batching.
 */
public interface Attributor {

    /** A short stable name for tables, e.g. {@code saliency}, {@code ig-gl50}, {@code lde-deletion}. */
    String name();

    /**
     * Attributions for a batch, computed with batched backend calls (no per-sample loop where a
     * batch would do).
     *
     * @param x       inputs {@code [N, inputShape...]}
     * @param classes the class explained per sample (usually the predicted one), {@code [N]}
     * @return {@code [N, inputShape...]}: larger means more important for {@code classes[n]}
     */
    Tensor attribute(Backend backend, Tensor x, int[] classes);
}
