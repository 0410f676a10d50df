package org.lde.testing;

import java.util.List;
import org.lde.data.Dataset;
import org.lde.data.SampleData;
import org.lde.engine.Backend;
import org.lde.engine.Backends;
import org.lde.engine.Loss;
import org.lde.engine.OptimizerSpec;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.Network;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;
import org.lde.train.Trainer;
import org.lde.train.TrainingOptions;

/** Small networks with known answers for the baseline and metric tests. */
public final class TestModels {
    private TestModels() {
    }

    /** A linear classifier {@code f(x) = W flatten(x) + b} on inputs of {@code inputDims}. */
    public static Network linear(Tensor w, Tensor b, int... inputDims) {
        int d = Shape.of(inputDims).sizeInt();
        int c = w.shape().dim(0);
        List<Layer> layers = inputDims.length == 1
                ? List.of(new Dense("fc", d, c, w, b))
                : List.of(new Flatten("flat"), new Dense("fc", d, c, w, b));
        return new Network(Shape.of(inputDims), layers, Task.CLASSIFICATION, List.of(), 0, 1);
    }

    /** A linear 2-class model with {@code f_0 = 0} and {@code f_1 = w^T x + b}, on {@code [0, 1]^d}. */
    public static Network binaryLinear(double[] w, double b) {
        int d = w.length;
        double[] wt = new double[2 * d];
        System.arraycopy(w, 0, wt, d, d);
        return linear(new Tensor(Shape.of(2, d), wt), Tensor.of(Shape.of(2), 0, b), d);
    }

    /**
     * A ReLU network on {@code [0, 1]^2} with {@code f_0 = 0}, {@code f_1 = x1 + x2 + 2 relu(x1 - 0.3) - 0.9}:
     * from {@code (0.2, 0.2)} the linearization predicts the boundary at L2 distance {@code 0.5 / sqrt 2}, the
     * minimal L2 perturbation lies on the other piece, {@code 3 x1 + x2 = 1.5}, at distance
     * {@code 0.7 / sqrt 10} (point {@code (0.41, 0.27)}).
     */
    public static Network twoPieceRelu() {
        Tensor w1 = Tensor.of(Shape.of(3, 2), 1, 0, 0, 1, 1, 0);
        Tensor b1 = Tensor.of(Shape.of(3), 0, 0, -0.3);
        Tensor w2 = Tensor.of(Shape.of(2, 3), 0, 0, 0, 1, 1, 2);
        Tensor b2 = Tensor.of(Shape.of(2), 0, -0.9);
        List<Layer> layers = List.of(new Dense("fc1", 2, 3, w1, b1), new org.lde.model.ReLU("relu"),
                new Dense("fc2", 3, 2, w2, b2));
        return new Network(Shape.of(2), layers, Task.CLASSIFICATION, List.of(), 0, 1);
    }

    /** A random linear classifier with weights in [-1, 1]. */
    public static Network randomLinear(long seed, int classes, int... inputDims) {
        Rng rng = new Rng(seed);
        int d = Shape.of(inputDims).sizeInt();
        return linear(rng.uniform(Shape.of(classes, d), -1, 1), rng.uniform(Shape.of(classes), -0.5, 0.5), inputDims);
    }

    /** A small random CNN on [1, 8, 8]: conv(4, 3x3, pad 1), ReLU, maxpool 2, conv(6), ReLU, dense 16, ReLU, dense 3. */
    public static Network smallCnn(long seed) {
        return Network.builder(1, 8, 8).seed(seed)
                .conv2d("conv1", 4, 3, 3, 1, 1, 1, 1).relu().maxPool(2, 2)
                .conv2d("conv2", 6, 3, 3, 1, 1, 1, 1).relu()
                .flatten().dense("fc1", 16).relu().dense("fc2", 3).build();
    }

    /** A small random ReLU MLP on [d]. */
    public static Network smallMlp(long seed, int d, int classes) {
        return Network.builder(d).seed(seed).dense("fc1", 12).relu().dense("fc2", 8).relu().dense("fc3", classes).build();
    }

    /** Uniform random inputs in [0, 1] of shape [n, dims...]. */
    public static Tensor inputs(long seed, int n, int... dims) {
        return new Rng(seed).uniform(Shape.of(dims).withBatch(n), 0, 1);
    }

    /** A 784-32-10 MLP trained for 4 epochs on the embedded 1,000 Fashion-MNIST images (a few seconds). */
    public static Network trainedFashionMlp() {
        Dataset ds = SampleData.fashionMnist();
        Network net = Network.builder(1, 28, 28).seed(3).dense("fc1", 32).relu().dense("fc2", 10).build();
        double[] t = new double[ds.size()];
        int[] labels = ds.labels();
        for (int i = 0; i < t.length; i++) {
            t[i] = labels[i];
        }
        try (Backend be = Backends.cpu(net)) {
            new Trainer(new TrainingOptions(4, 32, OptimizerSpec.adam(3e-3), Loss.SOFTMAX_CROSS_ENTROPY, 5), s -> { })
                    .train(be, ds.inputs(), new Tensor(Shape.of(t.length), t), java.util.Optional.empty(), java.util.Optional.empty());
            return be.snapshot();
        }
    }
}
