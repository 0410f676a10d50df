package org.lde.engine;

import java.util.Objects;
import org.lde.engine.dual.DualLinearization;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.LinearizedDual;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * A {@link Backend} decorator that counts the work asked of the backend underneath: the
 * machine-independent efficiency figure of METHOD.md section 9. Every call is passed through
 * unchanged; the counters are
 * <ul>
 * <li>{@code forwardCalls}: calls of {@link #forward} and {@link #forwardRecorded} (batched
 *     passes, however many samples each holds), and {@code forwardSamples}: the samples in them;</li>
 * <li>{@code reverseCalls}: calls of {@link #reverse}, {@link #layerGradient} and
 *     {@link #solveLinearized} (a reverse pass fused with a dual solve),
 *     {@code reverseRows}: the seed rows pulled back, {@code N * S} per call (each row is one
 *     vector-Jacobian product), and {@code reverseSamples}: the samples in those calls, {@code N} per
 *     call (one reverse pass per sample, whatever its number of seeds {@code S}).</li>
 * </ul>
 * Counters belong to this instance (not static); {@link #counts()} is a snapshot and
 * {@link #reset()} sets them to zero. Closing the decorator closes the backend underneath.
 * Not thread-safe (neither are the backends).
 */
public final class CountingBackend implements Backend {
    private final Backend inner;
    private long forwardCalls;
    private long forwardSamples;
    private long reverseCalls;
    private long reverseRows;
    private long reverseSamples;

    /** Pass counts at one moment. */
    public record Counts(long forwardCalls, long forwardSamples, long reverseCalls, long reverseRows,
                         long reverseSamples) {
        /** {@code this - earlier}, counter by counter. */
        public Counts minus(Counts earlier) {
            return new Counts(forwardCalls - earlier.forwardCalls, forwardSamples - earlier.forwardSamples,
                    reverseCalls - earlier.reverseCalls, reverseRows - earlier.reverseRows,
                    reverseSamples - earlier.reverseSamples);
        }
    }

    public CountingBackend(Backend inner) {
        this.inner = Objects.requireNonNull(inner, "inner backend");
    }

    /** The backend underneath. */
    public Backend inner() {
        return inner;
    }

    /** The counts so far. */
    public Counts counts() {
        return new Counts(forwardCalls, forwardSamples, reverseCalls, reverseRows, reverseSamples);
    }

    /** Sets every counter to zero. */
    public void reset() {
        forwardCalls = 0;
        forwardSamples = 0;
        reverseCalls = 0;
        reverseRows = 0;
        reverseSamples = 0;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public boolean float64() {
        return inner.float64();
    }

    @Override
    public Network network() {
        return inner.network();
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor out = inner.forward(x);
        forwardCalls++;
        forwardSamples += x.shape().dim(0);
        return out;
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        Recorded r = inner.forwardRecorded(x);
        forwardCalls++;
        forwardSamples += x.shape().dim(0);
        return r;
    }

    @Override
    public Tensor reverse(Recorded recorded, Tensor seeds) {
        Tensor out = inner.reverse(recorded, seeds);
        reverseCalls++;
        reverseRows += (long) seeds.shape().dim(0) * seeds.shape().dim(1);
        reverseSamples += seeds.shape().dim(0);
        return out;
    }

    /** Counted as one reverse call of {@code N R} rows (the solve itself is not a pass). */
    @Override
    public LinearizedDual solveLinearized(Recorded recorded, Tensor seeds, DualLinearization lin) {
        LinearizedDual out = inner.solveLinearized(recorded, seeds, lin);
        reverseCalls++;
        reverseRows += (long) seeds.shape().dim(0) * seeds.shape().dim(1);
        reverseSamples += seeds.shape().dim(0);
        return out;
    }

    @Override
    public DualSolverOptions dualDefaults() {
        return inner.dualDefaults();
    }

    @Override
    public DualSolutions solveDual(DualProblem problem, Tensor lambda0, DualSolverOptions options) {
        return inner.solveDual(problem, lambda0, options);
    }

    @Override
    public java.util.List<org.lde.engine.bound.NodeBounds> intervals(Tensor lower, Tensor upper) {
        return inner.intervals(lower, upper);
    }

    @Override
    public java.util.List<org.lde.engine.bound.LinearRows> boundBackward(java.util.List<org.lde.engine.bound.NodeBounds> bounds,
            int startNode, java.util.List<org.lde.engine.bound.LinearRows> rows,
            java.util.List<org.lde.engine.bound.Slopes> slopes) {
        return inner.boundBackward(bounds, startNode, rows, slopes);
    }

    @Override
    public Tensor layerOutput(Recorded recorded, String layer) {
        return inner.layerOutput(recorded, layer);
    }

    @Override
    public Tensor layerGradient(Recorded recorded, String layer, Tensor seeds) {
        Tensor out = inner.layerGradient(recorded, layer, seeds);
        reverseCalls++;
        reverseRows += (long) seeds.shape().dim(0) * seeds.shape().dim(1);
        reverseSamples += seeds.shape().dim(0);
        return out;
    }

    @Override
    public ParameterGradients parameterGradients(Recorded recorded, Tensor outputGrad) {
        return inner.parameterGradients(recorded, outputGrad);
    }

    @Override
    public LossValue loss(Tensor logits, Tensor targets, Loss loss) {
        return inner.loss(logits, targets, loss);
    }

    @Override
    public OptimizerState optimizer(OptimizerSpec spec) {
        return inner.optimizer(spec);
    }

    @Override
    public void step(OptimizerState state, ParameterGradients gradients) {
        inner.step(state, gradients);
    }

    @Override
    public Network snapshot() {
        return inner.snapshot();
    }

    @Override
    public void close() {
        inner.close();
    }
}
