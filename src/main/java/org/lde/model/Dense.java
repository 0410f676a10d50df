package org.lde.model;

import java.util.List;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/** {@code y = W x + b}, {@code W: [out, in]}, {@code b: [out]}; input must be a vector {@code [in]}. */
public record Dense(String name, int in, int out, Tensor weight, Tensor bias) implements Layer {
    public Dense {
        Layer.requireName(name);
        Layer.requirePositive(name, "in features", in);
        Layer.requirePositive(name, "out features", out);
        Layer.requireShape(name, "weight", weight, Shape.of(out, in));
        Layer.requireShape(name, "bias", bias, Shape.of(out));
    }

    @Override
    public Layer deepCopy() {
        return new Dense(name, in, out, weight.copy(), bias.copy());
    }

    @Override
    public String kind() {
        return "dense";
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 1 || s.dim(0) != in) {
            throw Layer.shapeError(this, "a vector [" + in + "]" + (s.rank() > 1 ? " (add a Flatten before it)" : ""), s);
        }
        return Shape.of(out);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(new Parameter(name + ".weight", weight), new Parameter(name + ".bias", bias));
    }
}
