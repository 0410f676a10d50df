package org.lde.engine;

/**
 * An optimizer and its hyper-parameters, with PyTorch's update rules:
 * SGD with momentum {@code v = mu v + g; p -= lr v} (plus {@code weightDecay * p} added to g);
 * Adam {@code m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr mhat / (sqrt(vhat) + eps)}.
 */
public record OptimizerSpec(Kind kind, double learningRate, double momentum, double beta1, double beta2,
                            double epsilon, double weightDecay) {
    public enum Kind { SGD, ADAM }

    public OptimizerSpec {
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive and finite, got " + learningRate);
        }
        if (momentum < 0 || momentum >= 1) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1) {
            throw new IllegalArgumentException("Adam betas must be in [0, 1), got " + beta1 + ", " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
        }
        if (weightDecay < 0) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    public static OptimizerSpec sgd(double lr, double momentum) {
        return new OptimizerSpec(Kind.SGD, lr, momentum, 0.9, 0.999, 1e-8, 0);
    }

    public static OptimizerSpec adam(double lr) {
        return new OptimizerSpec(Kind.ADAM, lr, 0, 0.9, 0.999, 1e-8, 0);
    }
}
