package org.lde.engine.cpu;

import java.util.ArrayList;
import java.util.List;
import org.lde.model.AvgPool2d;
import org.lde.model.BatchNorm2d;
import org.lde.model.Conv2d;
import org.lde.model.Dense;
import org.lde.model.Flatten;
import org.lde.model.Layer;
import org.lde.model.MaxPool2d;
import org.lde.model.Network;
import org.lde.model.ReLU;
import org.lde.model.Task;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * Small random networks that use every layer kind: conv (kernel 1..4, stride 1..3, padding 0..2,
 * optionally followed by BatchNorm), ReLU, max and average pooling (in random order, with and
 * without padding), a second conv, Flatten and two Dense layers; odd input sizes 5..11.
 */
final class RandomNetworks {
    private RandomNetworks() {
    }

    /** A random test case: a network, a batch of inputs and the batch size. */
    record Case(Network net, Tensor x) {
        int n() {
            return x.shape().dim(0);
        }
    }

    static Network network(Rng rng) {
        int cin = 1 + rng.nextInt(3);
        Shape input = Shape.of(cin, 5 + rng.nextInt(7), 5 + rng.nextInt(7));
        Shape s = input;
        List<Layer> layers = new ArrayList<>();
        s = add(layers, conv(rng, "conv1", s, 4, 3, 2), s);
        if (rng.nextInt(2) == 0) {
            int c = s.dim(0);
            s = add(layers, new BatchNorm2d("bn1", c, rng.uniform(Shape.of(c), 0.5, 1.5), rng.uniform(Shape.of(c), -0.5, 0.5),
                    rng.uniform(Shape.of(c), -0.5, 0.5), rng.uniform(Shape.of(c), 0.5, 2.0), 1e-5), s);
        }
        s = add(layers, new ReLU("relu1"), s);
        boolean maxFirst = rng.nextInt(2) == 0;
        s = add(layers, pool(rng, maxFirst, "pool1", s), s);
        s = add(layers, conv(rng, "conv2", s, 3, 2, 1), s);
        s = add(layers, new ReLU("relu2"), s);
        s = add(layers, pool(rng, !maxFirst, "pool2", s), s);
        s = add(layers, new Flatten("flatten"), s);
        int hidden = 3 + rng.nextInt(4);
        s = add(layers, dense(rng, "fc1", s.dim(0), hidden), s);
        s = add(layers, new ReLU("relu3"), s);
        add(layers, dense(rng, "fc2", hidden, 2 + rng.nextInt(3)), s);
        return new Network(input, layers, Task.CLASSIFICATION, List.of(), 0, 1);
    }

    /**
     * A random network and a batch of 1..5 inputs in [0, 1] at which no ReLU input and no
     * max-pool near-tie lies within {@code margin} (resampled from the seed until one is found),
     * so that central finite differences are valid.
     */
    static Case smoothCase(long seed, double margin) {
        Rng rng = new Rng(seed);
        for (int attempt = 0; attempt < 200; attempt++) {
            Network net = network(rng);
            int n = 1 + rng.nextInt(5);
            Tensor x = rng.uniform(net.inputShape().withBatch(n), 0, 1);
            boolean ok = true;
            int d = net.inputSize();
            for (int i = 0; i < n && ok; i++) {
                double[] xi = java.util.Arrays.copyOfRange(x.data(), i * d, (i + 1) * d);
                ok = !NaiveNetwork.nearKink(net, xi, margin);
            }
            if (ok) {
                return new Case(net, x);
            }
        }
        throw new IllegalStateException("no kink-free random case found for seed " + seed);
    }

    private static Shape add(List<Layer> layers, Layer l, Shape s) {
        layers.add(l);
        return l.outputShape(s);
    }

    private static Conv2d conv(Rng rng, String name, Shape in, int maxKernel, int maxStride, int maxPad) {
        int c = in.dim(0), h = in.dim(1), w = in.dim(2);
        int ph = rng.nextInt(maxPad + 1), pw = rng.nextInt(maxPad + 1);
        int kh = 1 + rng.nextInt(Math.min(maxKernel, h + 2 * ph));
        int kw = 1 + rng.nextInt(Math.min(maxKernel, w + 2 * pw));
        int sh = 1 + rng.nextInt(maxStride), sw = 1 + rng.nextInt(maxStride);
        int out = 1 + rng.nextInt(3);
        double bound = 1 / Math.sqrt((double) c * kh * kw);
        return new Conv2d(name, c, out, kh, kw, sh, sw, ph, pw, rng.uniform(Shape.of(out, c, kh, kw), -bound, bound),
                rng.uniform(Shape.of(out), -bound, bound));
    }

    private static Layer pool(Rng rng, boolean max, String name, Shape in) {
        int h = in.dim(1), w = in.dim(2);
        int kh = 1 + rng.nextInt(Math.min(3, h));
        int kw = 1 + rng.nextInt(Math.min(3, w));
        int ph = rng.nextInt(kh / 2 + 1), pw = rng.nextInt(kw / 2 + 1);
        int sh = 1 + rng.nextInt(2), sw = 1 + rng.nextInt(2);
        return max ? new MaxPool2d(name, kh, kw, sh, sw, ph, pw) : new AvgPool2d(name, kh, kw, sh, sw, ph, pw);
    }

    private static Dense dense(Rng rng, String name, int in, int out) {
        double bound = 1 / Math.sqrt(in);
        return new Dense(name, in, out, rng.uniform(Shape.of(out, in), -bound, bound), rng.uniform(Shape.of(out), -bound, bound));
    }
}
