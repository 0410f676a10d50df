package org.lde.engine;

import java.util.List;
import org.lde.tensor.Tensor;

/** One gradient per trainable parameter, in {@code Network.trainableParameters()} order. */
public record ParameterGradients(List<Tensor> gradients) {
    public ParameterGradients {
        gradients = List.copyOf(gradients);
    }
}
