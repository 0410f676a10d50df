package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** {@link BatchNorm} over {@code [C, H, W]} (PyTorch's BatchNorm2d at inference). */
public record BatchNorm2d(String name, int channels, Tensor weight, Tensor bias, Tensor runningMean,
                          Tensor runningVar, double eps) implements BatchNorm {
    public BatchNorm2d {
        BatchNorm.validate(name, channels, weight, bias, runningMean, runningVar, eps);
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
    public Layer deepCopy() {
        return new BatchNorm2d(name, channels, weight.copy(), bias.copy(), runningMean.copy(), runningVar.copy(), eps);
    }
}
