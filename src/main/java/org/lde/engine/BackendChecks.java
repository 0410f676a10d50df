package org.lde.engine;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.lde.engine.dual.DualLinearization;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The argument validation shared by the {@link Backend} implementations ({@code engine.cpu.EjmlBackend}
 * and {@code engine.gpu.GpuBackend}), with one set of exception messages for both. Where a message
 * names the backend, the caller passes its display name ({@code "EjmlBackend"}, {@code "GpuBackend"}).
 * Every method is static and keeps no state.
 */
public final class BackendChecks {
    private BackendChecks() {
    }

    /**
     * Fails with {@code IllegalStateException("<backend> is closed")} when {@code closed}.
     */
    public static void requireOpen(boolean closed, String backend) {
        if (closed) {
            throw new IllegalStateException(backend + " is closed");
        }
    }

    /**
     * The layer names of {@code original} that {@link Network#folded()} removes, each mapped to the
     * layer it was folded into ({@link Network#foldedAliases()}).
     */
    public static Map<String, String> foldedAliases(Network original) {
        return original.foldedAliases();
    }

    /**
     * Index in the folded network {@code net} of the layer named {@code layer}, or of the layer a
     * BatchNorm of that name was folded into ({@code aliases}, see {@link #foldedAliases}). Fails with
     * {@code NullPointerException("layer")} when {@code layer} is null; an unknown name fails as
     * {@link Network#indexOf} does.
     */
    public static int layerIndex(Network net, Map<String, String> aliases, String layer) {
        Objects.requireNonNull(layer, "layer");
        return net.indexOf(aliases.getOrDefault(layer, layer));
    }

    /**
     * Checks a batch of inputs: {@code x} not null, of shape {@code [N, inputShape...]} with
     * {@code N >= 1}, every value finite. Returns {@code N}.
     */
    public static int checkInput(Tensor x, Shape inputShape) {
        Objects.requireNonNull(x, "x");
        Shape s = x.shape();
        if (s.rank() != inputShape.rank() + 1 || !s.dropFirst().equals(inputShape) || s.dim(0) < 1) {
            throw new IllegalArgumentException("input x must have shape [N, " + dims(inputShape) + "] with N >= 1, got " + s);
        }
        x.requireFinite("input x");
        return s.dim(0);
    }

    /**
     * Checks a batch of inputs for {@code net}: as {@link #checkInput(Tensor, Shape)}, and then that the
     * batch of {@code N} fits ({@link Network#checkBatch}: {@code N} times the largest activation at most
     * {@link Network#MAX_VALUES}, else a message naming the layer and the largest batch that fits).
     * Returns {@code N}.
     */
    public static int checkInput(Tensor x, Network net) {
        int n = checkInput(x, net.inputShape());
        net.checkBatch(n);
        return n;
    }

    /**
     * Checks that a reverse pass of {@code n} samples with {@code s} seeds each, pulled back to the input
     * of layer {@code downTo} (0: the network's input), fits in arrays: the result {@code [N, S, size]}
     * must hold at most {@link Network#MAX_VALUES} values, and so must the gradient rows carried at once
     * through every layer from the output down to {@code downTo}: all {@code N S} rows when
     * {@code wholeBatchAtOnce}, else the {@code S} rows of one sample (a backend that splits the samples
     * into groups). Fails with {@link Network#checkRows}'s message naming the layer and the most rows
     * that fit.
     */
    public static void checkReverseSize(Network net, int n, int s, int downTo, boolean wholeBatchAtOnce) {
        long rows = (long) n * s;
        String what = "a reverse pass of N = " + n + " samples x S = " + s + " seeds (" + rows + " rows)";
        net.checkRows(rows, what, "row", "for the result", "rows (N x S) per pass", downTo, downTo);
        if (wholeBatchAtOnce) {
            net.checkRows(rows, what, "row", "for the pass", "rows (N x S) per pass", downTo, net.layers().size());
        } else {
            net.checkRows(s, "S = " + s + " seeds of one sample", "row", "for one sample", "seeds per sample", downTo,
                    net.layers().size());
        }
    }

    /**
     * Checks the seeds of a reverse pass: {@code seeds} not null, of shape {@code [n, S, classes]}
     * with {@code S >= 1}, every value finite. Returns {@code S}.
     */
    public static int checkSeeds(Tensor seeds, int n, int classes) {
        Objects.requireNonNull(seeds, "seeds");
        Shape s = seeds.shape();
        if (s.rank() != 3 || s.dim(0) != n || s.dim(2) != classes || s.dim(1) < 1) {
            throw new IllegalArgumentException("seeds must have shape [" + n + ", S, " + classes + "] ([N, S, C], S >= 1), got " + s);
        }
        seeds.requireFinite("seeds");
        return s.dim(1);
    }

    /**
     * Checks that a linearization describes the recorded batch: {@code lin} not null, {@code N} samples,
     * {@code R} = the seeds' {@code S} rows per sample, {@code d} = the network's input size. The seeds
     * themselves are checked by {@link #checkSeeds}.
     */
    public static void checkLinearization(DualLinearization lin, int n, Tensor seeds, int d) {
        Objects.requireNonNull(lin, "linearization");
        Objects.requireNonNull(seeds, "seeds");
        if (lin.samples() != n || lin.dim() != d) {
            throw new IllegalArgumentException("the linearization is for N = " + lin.samples() + " samples of d = "
                    + lin.dim() + " features; the recorded pass has N = " + n + " and the network d = " + d);
        }
        if (seeds.shape().rank() != 3 || seeds.shape().dim(1) != lin.rowsPerSample()) {
            throw new IllegalArgumentException("seeds have shape " + seeds.shape() + ": the linearization has R = "
                    + lin.rowsPerSample() + " margins per sample, so seeds must be [N, " + lin.rowsPerSample() + ", C]");
        }
    }

    /**
     * Checks the output gradient of a parameter-gradient pass: not null, of shape {@code [n, classes]},
     * every value finite.
     */
    public static void checkOutputGrad(Tensor outputGrad, int n, int classes) {
        Objects.requireNonNull(outputGrad, "outputGrad");
        Shape expected = Shape.of(n, classes);
        if (!outputGrad.shape().equals(expected)) {
            throw new IllegalArgumentException("outputGrad must have shape " + expected + " ([N, C]), got " + outputGrad.shape());
        }
        outputGrad.requireFinite("outputGrad");
    }

    /**
     * Checks the arguments of a loss: {@code logits}, {@code targets} and {@code loss} not null (in that
     * order), {@code logits} of shape {@code [N, classes]} with {@code N >= 1} and finite. The targets
     * are checked by {@link #checkTargets}. Returns {@code N}.
     */
    public static int checkLogits(Tensor logits, Tensor targets, Loss loss, int classes) {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(targets, "targets");
        Objects.requireNonNull(loss, "loss");
        Shape ls = logits.shape();
        if (ls.rank() != 2 || ls.dim(1) != classes || ls.dim(0) < 1) {
            throw new IllegalArgumentException("logits must have shape [N, " + classes + "] with N >= 1, got " + ls);
        }
        logits.requireFinite("logits");
        return ls.dim(0);
    }

    /**
     * Checks the targets of a loss over {@code n} samples: for cross-entropy, shape {@code [n]} and
     * every entry an integer class index in {@code [0, classes)} (returned as {@code int[]}); for MSE,
     * shape {@code [n, classes]} and every value finite (returned as the tensor itself).
     */
    public static Object checkTargets(Tensor targets, int n, int classes, Loss loss) {
        double[] t = targets.data();
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
            if (!targets.shape().equals(Shape.of(n))) {
                throw new IllegalArgumentException("cross-entropy targets must have shape [" + n + "] (class indices), got "
                        + targets.shape());
            }
            int[] y = new int[n];
            for (int r = 0; r < n; r++) {
                if (!(t[r] >= 0 && t[r] < classes && t[r] == Math.rint(t[r]))) {
                    throw new IllegalArgumentException("targets[" + r + "] = " + t[r] + " is not a class index in [0, "
                            + classes + ")");
                }
                y[r] = (int) t[r];
            }
            return y;
        }
        Shape ls = Shape.of(n, classes);
        if (!targets.shape().equals(ls)) {
            throw new IllegalArgumentException("MSE targets must have the logits' shape " + ls + ", got " + targets.shape());
        }
        targets.requireFinite("targets");
        return targets;
    }

    /**
     * Checks the gradients given to an optimizer step against the trainable parameters: one gradient
     * per parameter, each of its parameter's shape and finite.
     */
    public static void checkGradients(List<Layer.Parameter> params, List<Tensor> grads) {
        if (grads.size() != params.size()) {
            throw new IllegalArgumentException(grads.size() + " gradients for " + params.size() + " trainable parameters");
        }
        for (int q = 0; q < params.size(); q++) {
            Tensor g = grads.get(q);
            Layer.Parameter p = params.get(q);
            if (!g.shape().equals(p.value().shape())) {
                throw new IllegalArgumentException("gradient " + q + " (" + p.name() + ") has shape " + g.shape()
                        + ", expected " + p.value().shape());
            }
            g.requireFinite("gradient of " + p.name());
        }
    }

    /**
     * Checks that {@code recorded} is not null and is a pass of {@code type} made by the calling
     * backend ({@code owned}): otherwise {@code IllegalArgumentException("recorded pass was not made by
     * this <backend> (got <class>)")}. Returns it cast to {@code type}.
     */
    public static <P> P ownedPass(Recorded recorded, Class<P> type, Predicate<? super P> owned, String backend) {
        Objects.requireNonNull(recorded, "recorded");
        if (!type.isInstance(recorded) || !owned.test(type.cast(recorded))) {
            throw new IllegalArgumentException("recorded pass was not made by this " + backend + " (got "
                    + recorded.getClass().getName() + ")");
        }
        return type.cast(recorded);
    }

    /**
     * Checks that a recorded pass may be used: fails with {@code IllegalStateException} when it is
     * {@code closed}, or when it is {@code stale} (made before a step() changed the parameters).
     */
    public static void checkPassUsable(boolean closed, boolean stale) {
        if (closed) {
            throw new IllegalStateException("recorded pass is closed");
        }
        if (stale) {
            throw new IllegalStateException("recorded pass is stale: the parameters were updated by step() after it was made");
        }
    }

    /**
     * Checks that {@code state} is not null and is an optimizer state of {@code type} created by the
     * calling backend ({@code owned}): otherwise {@code IllegalArgumentException("optimizer state was not
     * created by this <backend>")}. Returns it cast to {@code type}.
     */
    public static <O> O ownedOptimizer(OptimizerState state, Class<O> type, Predicate<? super O> owned, String backend) {
        Objects.requireNonNull(state, "state");
        if (!type.isInstance(state) || !owned.test(type.cast(state))) {
            throw new IllegalArgumentException("optimizer state was not created by this " + backend);
        }
        return type.cast(state);
    }

    /** Fails with {@code IllegalStateException("optimizer state is closed")} when {@code closed}. */
    public static void checkOptimizerOpen(boolean closed) {
        if (closed) {
            throw new IllegalStateException("optimizer state is closed");
        }
    }

    /** The dimensions of {@code s} without the brackets: {@code "1, 28, 28"} for {@code [1, 28, 28]}. */
    public static String dims(Shape s) {
        String d = s.toString();
        return d.substring(1, d.length() - 1);
    }
}
