package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.cpu.KernelReference;
import org.lde.engine.cpu.NodeOps;
import org.lde.engine.gpu.GraphKernels;
import org.lde.engine.gpu.GraphKernels.GroupedConv;
import org.lde.model.Activation;
import org.lde.model.Affine;
import org.lde.model.Conv2d;
import org.lde.model.LeakyReLU;
import org.lde.model.ReLU;
import org.lde.model.Sigmoid;
import org.lde.model.Tanh;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The kernels of graph networks' node kinds, launched through {@link GraphKernels}, against their
 * float64 references ({@link KernelReference}, {@link NodeOps}) on every device: kernels/activation.cu
 * ({@code sigmoid/tanh/leaky_relu_forward}, {@code *_backward_seeded}), kernels/affine.cu (forward,
 * backward, parameter gradients), kernels/graph.cu ({@code strided_copy} as concat and slice,
 * {@code add_forward}, global average pooling forward and backward, and the accumulate of elementwise.cu's
 * {@code axpy}), kernels/conv_grouped.cu (grouped, depthwise and dilated convolution: forward, data and
 * weight gradients). Every output is poisoned ({@link DeviceBuffer#POISON}) before the launch and
 * followed by a poisoned guard that must stay untouched; inputs are fresh random values; sizes, seed
 * counts, channel counts, strides, paddings and dilations are multiples of no tile (the block is 256).
 * Grid-stride kernels also run on a one-block grid, so correctness does not depend on the grid.
 */
class GraphKernelSuite extends AbstractKernelSuite {
    static final int GUARD = 13;

    /** A poisoned output of {@code n} floats plus the guard. */
    private static DeviceBuffer out(Device d, long n) {
        return upload(d, null, (int) n + GUARD);
    }

    private static void checkOut(String what, DeviceBuffer b, double[] ref) {
        float[] tail = new float[GUARD];
        b.read(tail, 0, ref.length, GUARD);
        for (float t : tail) {
            assertEquals(DeviceBuffer.POISON, Float.floatToRawIntBits(t), what + ": wrote past the end");
        }
        assertMatches(what, download(b, ref.length), ref, TOLERANCE);
    }

    private static List<Activation> activations(Rng rng) {
        return List.of(new ReLU("relu"), new Sigmoid("sigmoid"), new Tanh("tanh"), new LeakyReLU("leaky", rng.uniform(0.01, 0.4)));
    }

    // ------------------------------------------------------------------------------ activations

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void activationsForwardAndSeededBackwardMatchTheReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GraphKernels g = new GraphKernels(lib);
        Rng rng = new Rng(1101);
        int[][] cases = {{1, 1, 1}, {3, 5, 7}, {2, 10, 129}, {9, 3, 17}, {4, 1, 300}, {1 + rng.nextInt(9), 1 + rng.nextInt(10), 1 + rng.nextInt(400)}};
        for (Activation f : activations(rng)) {
            for (int[] c : cases) {
                int n = c[0], s = c[1], size = c[2], rows = n * s;
                float[] x = randomFloats(rng, n * size);
                for (int i = 0; i < x.length; i += 7) {
                    x[i] = i % 2 == 0 ? 0f : 12f * x[i];   // kinks and saturation
                }
                double[] y = new double[x.length];
                KernelReference.activationForward(f, toDouble(x), x.length, y);
                String what = f.kind() + " N=" + n + " S=" + s + " size=" + size + " on " + device;
                float[] yf;
                try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer by = out(d, x.length)) {
                    g.activationForward(f, bx, by, x.length);
                    d.synchronize();
                    checkOut(what + " forward", by, y);
                    yf = download(by, x.length);
                }
                float[] dy = randomFloats(rng, rows * size);
                double[] dx = new double[dy.length];
                // the reference gets the kernel's own float32 output y: the backward kernel is checked, not the forward
                KernelReference.activationBackwardSeeded(f, toDouble(x), toDouble(yf), toDouble(dy), rows, s, size, dx);
                try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer by = upload(d, yf, yf.length);
                     DeviceBuffer bdy = upload(d, dy, dy.length); DeviceBuffer bdx = out(d, dy.length)) {
                    g.activationBackward(f, bx, by, bdy, bdx, rows, s, size);
                    d.synchronize();
                    checkOut(what + " backward", bdx, dx);
                    g.activationBackward(f, bx, by, bdy, bdy, rows, s, size);   // in place
                    d.synchronize();
                    assertMatches(what + " backward in place", download(bdy, dy.length), dx, TOLERANCE);
                }
            }
        }
        assertLaunched(d, "relu_forward", "relu_backward_seeded", "sigmoid_forward", "sigmoid_backward_seeded",
                "tanh_forward", "tanh_backward_seeded", "leaky_relu_forward", "leaky_relu_backward_seeded");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void gridStrideKernelsDoNotDependOnTheGrid(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        Rng rng = new Rng(1102);
        int n = 777;
        float[] x = randomFloats(rng, n);
        double[] y = new double[n];
        Tanh f = new Tanh("t");
        KernelReference.activationForward(f, toDouble(x), n, y);
        float[] a = randomFloats(rng, n);
        double[] sum = new double[n];
        KernelReference.add(toDouble(x), toDouble(a), n, sum);
        for (Dim3 grid : new Dim3[] {Dim3.of(1), Dim3.of(2), Dim3.of(5)}) {
            try (DeviceBuffer bx = upload(d, x, n); DeviceBuffer ba = upload(d, a, n); DeviceBuffer by = out(d, n);
                 DeviceBuffer bs = out(d, n)) {
                d.launch(lib.kernel("activation", "tanh_forward"), grid, Dim3.of(256), 0, KernelArgs.of().ptr(bx).ptr(by).i32(n));
                d.launch(lib.kernel("graph", "add_forward"), grid, Dim3.of(256), 0, KernelArgs.of().ptr(bx).ptr(ba).ptr(bs).i32(n));
                d.synchronize();
                checkOut("tanh_forward grid " + grid + " on " + device, by, y);
                checkOut("add_forward grid " + grid + " on " + device, bs, sum);
            }
        }
    }

    // ------------------------------------------------------------------------------ affine

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void affineForwardBackwardAndParameterGradientsMatchTheReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GraphKernels g = new GraphKernels(lib);
        Rng rng = new Rng(1103);
        int[][] cases = {{1, 1, 1}, {3, 5, 1}, {2, 3, 49}, {7, 2, 37}, {1, 13, 300}, {5, 1 + rng.nextInt(9), 1 + rng.nextInt(60)}};
        for (int[] c : cases) {
            int rows = c[0], ch = c[1], plane = c[2], size = ch * plane;
            float[] w = randomFloats(rng, ch);
            float[] b = randomFloats(rng, ch);
            Affine a = new Affine("a", ch, new Tensor(Shape.of(ch), toDouble(w)), new Tensor(Shape.of(ch), toDouble(b)));
            float[] x = randomFloats(rng, rows * size);
            float[] dy = randomFloats(rng, rows * size);
            String what = "affine rows=" + rows + " C=" + ch + " plane=" + plane + " on " + device;
            double[][] pg = NodeOps.affineParameterGradients(a, toDouble(x), toDouble(dy), rows, plane);
            try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer bw = upload(d, w, ch); DeviceBuffer bb = upload(d, b, ch);
                 DeviceBuffer bdy = upload(d, dy, dy.length); DeviceBuffer by = out(d, x.length); DeviceBuffer bdx = out(d, x.length);
                 DeviceBuffer bdw = out(d, ch); DeviceBuffer bdb = out(d, ch)) {
                g.affineForward(bx, bw, bb, by, rows, ch, plane);
                g.affineBackward(bdy, bw, bdx, rows, ch, plane);
                g.affineBackwardParams(bx, bdy, bdw, bdb, rows, ch, plane);
                d.synchronize();
                checkOut(what + " forward", by, NodeOps.affine(a, toDouble(x), rows, plane, true));
                checkOut(what + " backward", bdx, NodeOps.affine(a, toDouble(dy), rows, plane, false));
                checkOut(what + " weight gradient", bdw, pg[0]);
                checkOut(what + " bias gradient", bdb, pg[1]);
            }
        }
        assertLaunched(d, "affine_forward", "affine_backward", "affine_backward_params");
    }

    // ------------------------------------------------------------------------------ joins, pooling

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void concatSliceAddAndAccumulateMatchTheReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GraphKernels g = new GraphKernels(lib);
        Rng rng = new Rng(1104);
        for (int t = 0; t < 6; t++) {
            int rows = 1 + rng.nextInt(9);
            int parts = 2 + rng.nextInt(2);
            int[] sizes = new int[parts];
            int total = 0;
            for (int k = 0; k < parts; k++) {
                sizes[k] = 1 + rng.nextInt(t == 5 ? 600 : 40);
                total += sizes[k];
            }
            float[][] xs = new float[parts][];
            double[][] xd = new double[parts][];
            for (int k = 0; k < parts; k++) {
                xs[k] = randomFloats(rng, rows * sizes[k]);
                xd[k] = toDouble(xs[k]);
            }
            String what = "rows=" + rows + " sizes=" + java.util.Arrays.toString(sizes) + " on " + device;
            double[] cat = NodeOps.concat(xd, sizes, rows);
            float[] cf = randomFloats(rng, rows * total);
            try (DeviceBuffer by = out(d, (long) rows * total); DeviceBuffer bc = upload(d, cf, cf.length)) {
                int offset = 0;
                for (int k = 0; k < parts; k++) {
                    try (DeviceBuffer bx = upload(d, xs[k], xs[k].length)) {
                        g.stridedCopy(bx, by, rows, sizes[k], sizes[k], 0, total, offset);
                        d.synchronize();
                    }
                    offset += sizes[k];
                }
                checkOut("concat (strided_copy) " + what, by, cat);
                offset = 0;
                for (int k = 0; k < parts; k++) {
                    try (DeviceBuffer bs = out(d, (long) rows * sizes[k])) {
                        g.stridedCopy(bc, bs, rows, sizes[k], total, offset, sizes[k], 0);
                        d.synchronize();
                        checkOut("slice " + k + " (strided_copy) " + what, bs, NodeOps.slice(toDouble(cf), rows, total, offset, sizes[k]));
                    }
                    offset += sizes[k];
                }
            }
            int n = rows * sizes[0];
            float[] other = randomFloats(rng, n);
            double[] sum = new double[n];
            KernelReference.add(xd[0], toDouble(other), n, sum);
            try (DeviceBuffer ba = upload(d, xs[0], n); DeviceBuffer bb = upload(d, other, n); DeviceBuffer by = out(d, n)) {
                g.add(ba, bb, by, n);
                d.synchronize();
                checkOut("add_forward " + what, by, sum);
                g.accumulate(ba, bb, n);   // a += b: a fork's branch gradients summed on the device
                d.synchronize();
                assertMatches("accumulate (axpy, a = 1) " + what, download(ba, n), sum, TOLERANCE);
                assertThrows(IllegalArgumentException.class, () -> g.accumulate(ba, ba, n));
            }
        }
        assertLaunched(d, "strided_copy", "add_forward", "axpy");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void globalAveragePoolingMatchesTheReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GraphKernels g = new GraphKernels(lib);
        Rng rng = new Rng(1105);
        int[][] cases = {{1, 1, 1}, {2, 3, 49}, {7, 5, 9}, {3, 1, 300}, {1 + rng.nextInt(9), 1 + rng.nextInt(13), 1 + rng.nextInt(80)}};
        for (int[] c : cases) {
            int rows = c[0], ch = c[1], plane = c[2], count = rows * ch;
            float[] x = randomFloats(rng, count * plane);
            float[] dy = randomFloats(rng, count);
            String what = "global average pool rows=" + rows + " C=" + ch + " plane=" + plane + " on " + device;
            try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer by = out(d, count); DeviceBuffer bdy = upload(d, dy, count);
                 DeviceBuffer bdx = out(d, x.length)) {
                g.globalAvgPoolForward(bx, by, count, plane);
                g.globalAvgPoolBackward(bdy, bdx, count, plane);
                d.synchronize();
                checkOut(what + " forward", by, NodeOps.globalAvgPool(toDouble(x), rows, ch, plane));
                checkOut(what + " backward", bdx, NodeOps.globalAvgPoolBackward(toDouble(dy), rows, ch, plane));
            }
        }
        assertLaunched(d, "global_avgpool_forward", "global_avgpool_backward");
    }

    // ------------------------------------------------------------------------------ grouped convolution

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void groupedAndDilatedConvolutionMatchesTheReference(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GraphKernels g = new GraphKernels(lib);
        Rng rng = new Rng(1106);
        for (int t = 0; t < 10; t++) {
            int groups = 1 + rng.nextInt(3);
            int c = groups * (1 + rng.nextInt(2));
            int k = t % 3 == 0 ? c : groups * (1 + rng.nextInt(3));          // t % 3 == 0: depthwise when groups == c
            if (t % 3 == 0) {
                groups = c;
            }
            int kh = 1 + rng.nextInt(3), kw = 1 + rng.nextInt(3);
            int dh = 1 + rng.nextInt(3), dw = 1 + rng.nextInt(3);
            int sh = 1 + rng.nextInt(3), sw = 1 + rng.nextInt(3);
            int ph = rng.nextInt(3), pw = rng.nextInt(3);
            int h = Math.max(dh * (kh - 1) + 1 - 2 * ph, 1) + rng.nextInt(7);
            int w = Math.max(dw * (kw - 1) + 1 - 2 * pw, 1) + rng.nextInt(7);
            int n = 1 + rng.nextInt(4);
            GroupedConv geo = new GroupedConv(n, c, h, w, k, kh, kw, sh, sw, ph, pw, dh, dw, groups);
            float[] x = randomFloats(rng, (int) geo.inputSize());
            float[] wt = randomFloats(rng, (int) geo.weightSize());
            float[] bias = randomFloats(rng, k);
            float[] dy = randomFloats(rng, (int) geo.outputSize());
            Conv2d layer = new Conv2d("c", c, k, kh, kw, sh, sw, ph, pw, groups, dh, dw,
                    new Tensor(Shape.of(k, c / groups, kh, kw), toDouble(wt)), new Tensor(Shape.of(k), toDouble(bias)));
            Shape in = Shape.of(c, h, w);
            Shape outShape = layer.outputShape(in);
            assertEquals(Shape.of(k, geo.oh(), geo.ow()), outShape, "geometry of " + geo);
            String what = "grouped conv " + geo + " on " + device;
            double[][] pg = NodeOps.convParameterGradients(layer, in, outShape, toDouble(x), toDouble(dy), n);
            try (DeviceBuffer bx = upload(d, x, x.length); DeviceBuffer bw = upload(d, wt, wt.length);
                 DeviceBuffer bb = upload(d, bias, k); DeviceBuffer bdy = upload(d, dy, dy.length);
                 DeviceBuffer by = out(d, geo.outputSize()); DeviceBuffer bdx = out(d, geo.inputSize());
                 DeviceBuffer bdw = out(d, geo.weightSize()); DeviceBuffer bdb = out(d, k)) {
                g.groupedConvForward(bx, bw, bb, by, geo);
                g.groupedConvBackwardData(bdy, bw, bdx, geo);
                g.groupedConvBackwardWeights(bx, bdy, bdw, bdb, geo);
                d.synchronize();
                checkOut(what + " forward", by, NodeOps.convForward(layer, in, outShape, toDouble(x), n));
                checkOut(what + " data gradient", bdx, NodeOps.convBackwardData(layer, in, outShape, toDouble(dy), n));
                checkOut(what + " weight gradient", bdw, pg[0]);
                checkOut(what + " bias gradient", bdb, pg[1]);
            }
        }
        assertLaunched(d, "conv2d_forward_grouped", "conv2d_backward_data_grouped", "conv2d_backward_weights_grouped");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void badGeometriesAndShortBuffersAreRefusedBeforeAnyLaunch(String device) {
        KernelLibrary lib = library(device);
        Device d = lib.device();
        GraphKernels g = new GraphKernels(lib);
        assertThrows(IllegalArgumentException.class, () -> new GroupedConv(1, 3, 5, 5, 4, 3, 3, 1, 1, 0, 0, 1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new GroupedConv(1, 2, 3, 3, 2, 3, 3, 1, 1, 0, 0, 2, 2, 1));
        try (DeviceBuffer small = upload(d, null, 4); DeviceBuffer big = upload(d, null, 64)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.add(small, big, big, 5));
            assertEquals("a holds 4 32-bit elements, the launch needs 5", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> g.stridedCopy(big, big, 2, 5, 4, 0, 5, 0));
            assertThrows(IllegalArgumentException.class, () -> g.affineBackwardParams(big, big, small, big, 2, 5, 3));
            assertEquals(DeviceBuffer.POISON, Float.floatToRawIntBits(download(big, 1)[0]), "nothing was written");
        }
    }
}
