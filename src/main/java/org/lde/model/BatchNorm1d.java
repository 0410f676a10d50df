package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** {@link BatchNorm} over a feature vector {@code [C]} (PyTorch's BatchNorm1d at inference, 2-D input). */
public record BatchNorm1d(String name, int channels, Tensor weight, Tensor bias, Tensor runningMean,
                          Tensor runningVar, double eps) implements BatchNorm {
    public BatchNorm1d {
        BatchNorm.validate(name, channels, weight, bias, runningMean, runningVar, eps);
    }

    @Override
    public String kind() {
        return "batchnorm1d";
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 1 || s.dim(0) != channels) {
            throw Layer.shapeError(this, "[" + channels + "]", s);
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
        return new BatchNorm1d(name, channels, weight.copy(), bias.copy(), runningMean.copy(), runningVar.copy(), eps);
    }
}
