package org.lde.model;

import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Inference-form batch normalisation per channel (the first dimension):
 * {@code y = gamma (x - mean) / sqrt(var + eps) + beta = s x + t} with
 * {@code s = gamma / sqrt(var + eps)}, {@code t = beta - mean s}. {@link Network#folded()} folds it
 * into the {@link Dense} or {@link Conv2d} that feeds it when that node has no other consumer, and
 * turns it into an {@link Affine} node otherwise; backends never see it.
 */
public sealed interface BatchNorm extends Layer permits BatchNorm1d, BatchNorm2d {
    int channels();

    Tensor weight();

    Tensor bias();

    Tensor runningMean();

    Tensor runningVar();

    double eps();

    /** {@code s[o] = gamma[o] / sqrt(var[o] + eps)}. */
    default double scale(int o) {
        return weight().data()[o] / Math.sqrt(runningVar().data()[o] + eps());
    }

    /** {@code t[o] = beta[o] - mean[o] s[o]}. */
    default double shift(int o) {
        return bias().data()[o] - runningMean().data()[o] * scale(o);
    }

    @Override
    default boolean trainable() {
        return false;
    }

    /** Checks the parameters' shapes, eps and the variances (shared by both records' constructors). */
    static void validate(String name, int channels, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                         double eps) {
        Layer.requireName(name);
        Layer.requirePositive(name, "channels", channels);
        Shape c = Shape.of(channels);
        Layer.requireShape(name, "weight", weight, c);
        Layer.requireShape(name, "bias", bias, c);
        Layer.requireShape(name, "running_mean", runningMean, c);
        Layer.requireShape(name, "running_var", runningVar, c);
        if (!(eps > 0) || !Double.isFinite(eps)) {
            throw new IllegalArgumentException("layer '" + name + "': eps must be a positive finite number, got " + eps);
        }
        for (double v : runningVar.data()) {
            if (v < 0) {
                throw new IllegalArgumentException("layer '" + name + "': running_var has a negative entry " + v);
            }
            if (Double.isNaN(v)) {
                throw new IllegalArgumentException("layer '" + name + "': running_var has a NaN entry");
            }
        }
    }
}
