package org.lde.validation;

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

/**
 * Small random networks for the backend agreement suites, sized for the PTX emulator (channels
 * {@code <= 4}, spatial sizes {@code <= 9}, dense widths {@code <= 20}, none a multiple of a tile):
 * <ul>
 * <li>{@link #mlp}: an optional Flatten of a {@code [c, h, w]} input, then 1 to 3 Dense layers with
 *     ReLUs between them;</li>
 * <li>{@link #cnn}: every layer kind, as {@code engine.cpu.RandomNetworks}: conv (kernel 1..3,
 *     stride 1..2, padding 0..1, optionally followed by BatchNorm), ReLU, max and average pooling in
 *     random order with and without padding, a second conv, ReLU, Flatten and two Dense layers.</li>
 * </ul>
 */
final class AgreementNetworks {
    private AgreementNetworks() {
    }

    static Network mlp(Rng rng) {
        List<Layer> layers = new ArrayList<>();
        Shape input;
        int width;
        if (rng.nextInt(2) == 0) {
            input = Shape.of(1 + rng.nextInt(3), 2 + rng.nextInt(3), 2 + rng.nextInt(3));
            layers.add(new Flatten("flatten"));
            width = input.sizeInt();
        } else {
            width = 3 + rng.nextInt(18);
            input = Shape.of(width);
        }
        int hidden = rng.nextInt(3);
        for (int h = 0; h < hidden; h++) {
            int out = 3 + rng.nextInt(18);
            layers.add(dense(rng, "fc" + (h + 1), width, out));
            layers.add(new ReLU("relu" + (h + 1)));
            width = out;
        }
        boolean regression = rng.nextInt(6) == 0;
        int classes = regression ? 1 : 2 + rng.nextInt(6);
        layers.add(dense(rng, "out", width, classes));
        return new Network(input, layers, regression ? Task.REGRESSION : Task.CLASSIFICATION, List.of(), 0, 1);
    }

    static Network cnn(Rng rng) {
        int cin = 1 + rng.nextInt(3);
        Shape input = Shape.of(cin, 5 + rng.nextInt(5), 5 + rng.nextInt(5));
        Shape s = input;
        List<Layer> layers = new ArrayList<>();
        s = add(layers, conv(rng, "conv1", s), s);
        if (rng.nextInt(2) == 0) {
            int c = s.dim(0);
            s = add(layers, new BatchNorm2d("bn1", c, rng.uniform(Shape.of(c), 0.5, 1.5), rng.uniform(Shape.of(c), -0.5, 0.5),
                    rng.uniform(Shape.of(c), -0.5, 0.5), rng.uniform(Shape.of(c), 0.5, 2.0), 1e-5), s);
        }
        s = add(layers, new ReLU("relu1"), s);
        boolean maxFirst = rng.nextInt(2) == 0;
        s = add(layers, pool(rng, maxFirst, "pool1", s), s);
        s = add(layers, conv(rng, "conv2", s), s);
        s = add(layers, new ReLU("relu2"), s);
        s = add(layers, pool(rng, !maxFirst, "pool2", s), s);
        s = add(layers, new Flatten("flatten"), s);
        int hidden = 3 + rng.nextInt(6);
        s = add(layers, dense(rng, "fc1", s.dim(0), hidden), s);
        s = add(layers, new ReLU("relu3"), s);
        add(layers, dense(rng, "fc2", hidden, 2 + rng.nextInt(4)), s);
        return new Network(input, layers, Task.CLASSIFICATION, List.of(), 0, 1);
    }

    private static Shape add(List<Layer> layers, Layer l, Shape s) {
        layers.add(l);
        return l.outputShape(s);
    }

    private static Conv2d conv(Rng rng, String name, Shape in) {
        int c = in.dim(0), h = in.dim(1), w = in.dim(2);
        int ph = rng.nextInt(2), pw = rng.nextInt(2);
        int kh = 1 + rng.nextInt(Math.min(3, h + 2 * ph));
        int kw = 1 + rng.nextInt(Math.min(3, w + 2 * pw));
        int sh = 1 + rng.nextInt(2), sw = 1 + rng.nextInt(2);
        int out = 1 + rng.nextInt(4);
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
