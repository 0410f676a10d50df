package org.lde.explain;

import org.lde.engine.Backend;

/**
 * The search of an explanation (METHOD.md section 6): moves each sample's iterate {@code t} through
 * linearize-and-solve steps and keeps the best verified perturbation. Everything else of an explanation
 * (input checks, the attributions, the certificate) lies outside; an implementation only has to keep
 * this contract, for every sample of {@link ExplainBatch#samples}:
 * <ul>
 *   <li>the first forward pass is at {@code x} and calls {@link ExplainBatch#initRows} with its logits;</li>
 *   <li>every linearized problem that is solved goes through {@link SampleState#recordLinearization}
 *       (the assembly reads the last one, and the first one is the certificate's {@code r_lin});</li>
 *   <li>every point that a forward pass evaluated and that might be adversarial goes through the
 *       {@link Verifier} (the only writer of {@link SampleState#best});</li>
 *   <li>{@link SampleState#stop}, {@link SampleState#t} (the final iterate), {@link SampleState#mLast},
 *       {@link SampleState#path} and the pass counts are set on return.</li>
 * </ul>
 */
interface OuterLoop {
    /** Runs the search for every sample of {@code batch} on {@code backend}. */
    void search(Backend backend, ExplainBatch batch, Verifier verifier);
}
