package org.lde.model;

import org.lde.tensor.Shape;

/**
 * Global average pooling: {@code [C, H, W] -> [C, 1, 1]}, {@code y[c] = mean_{i, j} x[c, i, j]}
 * (PyTorch's {@code AdaptiveAvgPool2d(1)}, ONNX {@code GlobalAveragePool}).
 */
public record GlobalAvgPool(String name) implements Layer {
    public GlobalAvgPool {
        Layer.requireName(name);
    }

    @Override
    public String kind() {
        return "global_avg_pool";
    }

    @Override
    public Shape outputShape(Shape s) {
        if (s.rank() != 3) {
            throw Layer.shapeError(this, "[C, H, W]", s);
        }
        return Shape.of(s.dim(0), 1, 1);
    }
}
