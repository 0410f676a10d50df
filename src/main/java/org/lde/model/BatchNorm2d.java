package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Inference-form batch normalisation per channel:
 * {@code y = gamma (x - mean) / sqrt(var + eps) + beta}. It is valid only directly after a
 * {@link Conv2d}, into which {@link Network#folded()} folds it when a model is opened; backends
 * never see it.
 */
public record BatchNorm2d(String name, int channels, Tensor weight, Tensor bias, Tensor runningMean,
                          Tensor runningVar, double eps) implements Layer {
    public BatchNorm2d {
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
        }
    }

    @Override
    public String kind() {
        return "batchnorm2d";
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 3 || s.dim(0) != channels) {
            throw Layer.shapeError(this, "[" + channels + ", H, W]", s);
        }
        return s;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias),
                new Parameter(name + ".running_mean", runningMean), new Parameter(name + ".running_var", runningVar));
    }

    @Override
    public boolean trainable() {
        return false;
    }
}
