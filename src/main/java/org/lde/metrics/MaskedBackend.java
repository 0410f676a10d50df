package org.lde.metrics;

import java.util.List;
import java.util.Objects;
import org.lde.engine.Backend;
import org.lde.engine.Loss;
import org.lde.engine.LossValue;
import org.lde.engine.OptimizerSpec;
import org.lde.engine.OptimizerState;
import org.lde.engine.ParameterGradients;
import org.lde.engine.Recorded;
import org.lde.engine.bound.LinearRows;
import org.lde.engine.bound.NodeBounds;
import org.lde.engine.bound.Slopes;
import org.lde.model.Network;
import org.lde.tensor.Tensor;

/**
 * The network with a fixed input mask in front, {@code f(m . x)} with {@code m_i in {0, 1}} (a masked
 * feature is replaced by 0, the deletion model's default baseline): the "masked" classifier of the
 * seeds' claim that masking the most sensitive features improves robustness (issue 17). Forward passes
 * see {@code m . x}; every reverse pass is the chain rule through the mask, {@code m . (J^T s)}, so an
 * attack on this backend (e.g. {@link Pgd}) can move the masked features but they change nothing.
 *
 * <p>Only what attacks and gradient attributions need is provided: forward, recorded forward, reverse
 * and layer passes. Bound passes and training are refused (their answers would be those of the
 * unmasked network). Closing this backend does not close the one underneath.
 */
public final class MaskedBackend implements Backend {
    private final Backend inner;
    private final boolean[] masked;
    private final int maskedCount;

    /** @param masked one flag per input feature ({@code network().inputSize()}), true = masked */
    public MaskedBackend(Backend inner, boolean[] masked) {
        this.inner = Objects.requireNonNull(inner, "inner");
        int d = inner.network().inputSize();
        if (masked.length != d) {
            throw new IllegalArgumentException("the mask has " + masked.length + " flags, the network takes " + d + " input features");
        }
        this.masked = masked.clone();
        int c = 0;
        for (boolean b : masked) {
            c += b ? 1 : 0;
        }
        this.maskedCount = c;
    }

    /** The mask of the {@code k} features with the largest {@code scores} (ties by the lower index). */
    public static boolean[] topK(double[] scores, int k) {
        boolean[] m = new boolean[scores.length];
        for (int i : RankConsistency.top(scores, k)) {
            m[i] = true;
        }
        return m;
    }

    public int maskedCount() {
        return maskedCount;
    }

    /** {@code m . x} (a new tensor). */
    public Tensor apply(Tensor x) {
        int d = masked.length;
        double[] v = x.data().clone();
        if (v.length % d != 0) {
            throw new IllegalArgumentException("input of shape " + x.shape() + " is not a batch of " + d + "-feature samples");
        }
        for (int i = 0; i < v.length; i++) {
            if (masked[i % d]) {
                v[i] = 0;
            }
        }
        return new Tensor(x.shape(), v);
    }

    @Override
    public String name() {
        return inner.name() + "+mask(" + maskedCount + ")";
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
        return inner.forward(apply(x));
    }

    @Override
    public Recorded forwardRecorded(Tensor x) {
        return inner.forwardRecorded(apply(x));
    }

    @Override
    public Tensor reverse(Recorded recorded, Tensor seeds) {
        Tensor g = inner.reverse(recorded, seeds);
        double[] v = g.data();
        int d = masked.length;
        for (int i = 0; i < v.length; i++) {
            if (masked[i % d]) {
                v[i] = 0;
            }
        }
        return g;
    }

    @Override
    public List<NodeBounds> intervals(Tensor lower, Tensor upper) {
        throw refused("bound passes");
    }

    @Override
    public List<LinearRows> boundBackward(List<NodeBounds> bounds, int startNode, List<LinearRows> rows, List<Slopes> slopes) {
        throw refused("bound passes");
    }

    @Override
    public Tensor layerOutput(Recorded recorded, String layer) {
        return inner.layerOutput(recorded, layer);
    }

    @Override
    public Tensor layerGradient(Recorded recorded, String layer, Tensor seeds) {
        return inner.layerGradient(recorded, layer, seeds);
    }

    @Override
    public ParameterGradients parameterGradients(Recorded recorded, Tensor outputGrad) {
        throw refused("training");
    }

    @Override
    public LossValue loss(Tensor logits, Tensor targets, Loss loss) {
        throw refused("training");
    }

    @Override
    public OptimizerState optimizer(OptimizerSpec spec) {
        throw refused("training");
    }

    @Override
    public void step(OptimizerState state, ParameterGradients gradients) {
        throw refused("training");
    }

    @Override
    public Network snapshot() {
        throw refused("snapshots");
    }

    /** Does not close the backend underneath (the caller owns it). */
    @Override
    public void close() {
    }

    private static UnsupportedOperationException refused(String what) {
        return new UnsupportedOperationException("the masked backend does not provide " + what
                + " (they would answer for the unmasked network)");
    }
}
