package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * A per-channel affine map {@code y[c, ...] = weight[c] x[c, ...] + bias[c]} over {@code [C]} or
 * {@code [C, H, W]}: what a {@link BatchNorm} becomes when it cannot be folded into the node
 * before it (that node has other consumers, or is not a Dense/Conv2d). Trainable.
 */
public record Affine(String name, int channels, Tensor weight, Tensor bias) implements Layer {
    public Affine {
        Layer.requireName(name);
        Layer.requirePositive(name, "channels", channels);
        Layer.requireShape(name, "weight", weight, Shape.of(channels));
        Layer.requireShape(name, "bias", bias, Shape.of(channels));
    }

    /** The affine node equal to {@code bn}: {@code weight = s}, {@code bias = t} ({@link BatchNorm#scale}, {@link BatchNorm#shift}). */
    public static Affine of(BatchNorm bn) {
        int c = bn.channels();
        double[] s = new double[c];
        double[] t = new double[c];
        for (int o = 0; o < c; o++) {
            s[o] = bn.scale(o);
            t[o] = bn.shift(o);
            if (!Double.isFinite(s[o]) || !Double.isFinite(t[o])) {
                throw new IllegalArgumentException("layer '" + bn.name() + "' (" + bn.kind() + ") gives a non-finite scale "
                        + s[o] + " or shift " + t[o] + " for channel " + o + " (gamma " + bn.weight().data()[o]
                        + ", running_var " + bn.runningVar().data()[o] + ", eps " + bn.eps() + ")");
            }
        }
        return new Affine(bn.name(), c, new Tensor(Shape.of(c), s), new Tensor(Shape.of(c), t));
    }

    @Override
    public String kind() {
        return "affine";
    }

    @Override
    public Shape outputShape(Shape s) {
        if ((s.rank() != 1 && s.rank() != 3) || s.dim(0) != channels) {
            throw Layer.shapeError(this, "[" + channels + "] or [" + channels + ", H, W]", s);
        }
        return s;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias));
    }

    @Override
    public Layer deepCopy() {
        return new Affine(name, channels, weight.copy(), bias.copy());
    }
}
