package org.lde.bench;

import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.device.Kernel;
import org.lde.engine.gpu.GraphKernels;
import org.lde.engine.gpu.GraphKernels.GroupedConv;
import org.lde.model.Activation;
import org.lde.model.LeakyReLU;
import org.lde.model.Sigmoid;
import org.lde.model.Tanh;
import org.lde.tensor.Rng;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per launch (launch + synchronize, through {@link GraphKernels}) of the kernels of graph
 * networks' node kinds: {@code sigmoid_forward}, {@code tanh_forward}, {@code leaky_relu_forward},
 * {@code sigmoid_backward_seeded}, {@code tanh_backward_seeded}, {@code leaky_relu_backward_seeded}
 * (kernels/activation.cu); {@code affine_forward}, {@code affine_backward}, {@code affine_backward_params}
 * (kernels/affine.cu); {@code strided_copy}, {@code add_forward}, {@code global_avgpool_forward},
 * {@code global_avgpool_backward} (kernels/graph.cu); {@code conv2d_forward_grouped},
 * {@code conv2d_backward_data_grouped}, {@code conv2d_backward_weights_grouped} (kernels/conv_grouped.cu,
 * a 3x3 depthwise convolution, stride 1, padding 1, the MobileNet block's). Each benchmark method is
 * named after its kernel. At the end of each trial one line gives achieved GFLOP/s and GB/s (fewest
 * bytes) and, on the emulator, the thread-instructions per launch.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="GraphKernelBench -p device=emulator"
 * </pre>
 * Sizes: {@code n} elements for the elementwise kernels (4096 on the emulator, 2^24 on CUDA; the seeded
 * reverse kernels run up to {@code n} gradient values as rows of 64, 10 seeds per sample); the affine and pooling kernels
 * {@code [8, 16, n / 128]}; the depthwise convolution {@code [2, 8, 12, 12]} on the emulator and
 * {@code [32, 64, 56, 56]} on CUDA.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class GraphKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    private int n;
    private int rows;
    private int channels;
    private int plane;
    private GraphKernels k;
    private GroupedConv conv;
    private DeviceBuffer a;
    private DeviceBuffer b;
    private DeviceBuffer c;
    private DeviceBuffer w;
    private DeviceBuffer bias;
    private DeviceBuffer dw;
    private DeviceBuffer db;
    private final Activation sigmoid = new Sigmoid("sigmoid");
    private final Activation tanh = new Tanh("tanh");
    private final Activation leaky = new LeakyReLU("leaky", 0.1);

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        boolean emu = onEmulator();
        n = emu ? 4096 : 1 << 24;
        rows = 8;
        channels = 16;
        plane = n / (rows * channels);
        conv = emu ? new GroupedConv(2, 8, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8)
                : new GroupedConv(32, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 64);
        k = new GraphKernels(library);
        long big = Math.max(n, Math.max(conv.inputSize(), conv.outputSize()));
        a = filled(big, 1);
        b = filled(big, 2);
        c = filled(big, 3);
        w = filled(Math.max(channels, conv.weightSize()), 4);
        bias = filled(Math.max(channels, conv.k()), 5);
        dw = filled(Math.max(channels, conv.weightSize()), 6);
        db = filled(Math.max(channels, conv.k()), 7);
    }

    private DeviceBuffer filled(long size, long seed) {
        Rng rng = new Rng(seed);
        float[] v = new float[(int) size];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.uniform(-1, 1);
        }
        DeviceBuffer buf = dev.allocate(4L * size);
        buf.write(v);
        return buf;
    }

    private Kernel kernel(String module, String name) {
        return library.kernel(module, name);
    }

    private void run(Runnable launch) {
        timed(() -> {
            launch.run();
            dev.synchronize();
        });
    }

    // ------------------------------------------------------------------------------ activation.cu

    @Benchmark
    public void sigmoid_forward() {
        describe(kernel("activation", "sigmoid_forward"), 4.0 * n, 8.0 * n);
        run(() -> k.activationForward(sigmoid, a, c, n));
    }

    @Benchmark
    public void tanh_forward() {
        describe(kernel("activation", "tanh_forward"), 4.0 * n, 8.0 * n);
        run(() -> k.activationForward(tanh, a, c, n));
    }

    @Benchmark
    public void leaky_relu_forward() {
        describe(kernel("activation", "leaky_relu_forward"), n, 8.0 * n);
        run(() -> k.activationForward(leaky, a, c, n));
    }

    /** Gradient rows of the seeded reverse kernels: 10 seeds per sample, 64 values a row, at most n values. */
    private int seededRows() {
        return 10 * Math.max(1, n / 640);
    }

    @Benchmark
    public void sigmoid_backward_seeded() {
        describe(kernel("activation", "sigmoid_backward_seeded"), 3.0 * n, 8.0 * n + 0.4 * n);
        run(() -> k.activationBackward(sigmoid, a, a, b, c, seededRows(), 10, 64));
    }

    @Benchmark
    public void tanh_backward_seeded() {
        describe(kernel("activation", "tanh_backward_seeded"), 3.0 * n, 8.0 * n + 0.4 * n);
        run(() -> k.activationBackward(tanh, a, a, b, c, seededRows(), 10, 64));
    }

    @Benchmark
    public void leaky_relu_backward_seeded() {
        describe(kernel("activation", "leaky_relu_backward_seeded"), n, 8.0 * n + 0.4 * n);
        run(() -> k.activationBackward(leaky, a, a, b, c, seededRows(), 10, 64));
    }

    // ------------------------------------------------------------------------------ affine.cu

    @Benchmark
    public void affine_forward() {
        describe(kernel("affine", "affine_forward"), 2.0 * n, 8.0 * n);
        run(() -> k.affineForward(a, w, bias, c, rows, channels, plane));
    }

    @Benchmark
    public void affine_backward() {
        describe(kernel("affine", "affine_backward"), n, 8.0 * n);
        run(() -> k.affineBackward(a, w, c, rows, channels, plane));
    }

    @Benchmark
    public void affine_backward_params() {
        describe(kernel("affine", "affine_backward_params"), 3.0 * n, 8.0 * n);
        run(() -> k.affineBackwardParams(a, b, dw, db, rows, channels, plane));
    }

    // ------------------------------------------------------------------------------ graph.cu

    @Benchmark
    public void strided_copy() {
        describe(kernel("graph", "strided_copy"), 0, 4.0 * n);   // half of c's rows: a concat's first input
        run(() -> k.stridedCopy(a, c, rows, n / (2 * rows), n / (2 * rows), 0, n / rows, 0));
    }

    @Benchmark
    public void add_forward() {
        describe(kernel("graph", "add_forward"), n, 12.0 * n);
        run(() -> k.add(a, b, c, n));
    }

    @Benchmark
    public void global_avgpool_forward() {
        describe(kernel("graph", "global_avgpool_forward"), n, 4.0 * n);
        run(() -> k.globalAvgPoolForward(a, c, rows * channels, plane));
    }

    @Benchmark
    public void global_avgpool_backward() {
        describe(kernel("graph", "global_avgpool_backward"), n, 4.0 * n);
        run(() -> k.globalAvgPoolBackward(a, c, rows * channels, plane));
    }

    // ------------------------------------------------------------------------------ conv_grouped.cu

    private double convBytes() {
        return 4.0 * (conv.inputSize() + conv.outputSize() + conv.weightSize());
    }

    @Benchmark
    public void conv2d_forward_grouped() {
        describe(kernel("conv_grouped", "conv2d_forward_grouped"), conv.flops(), convBytes());
        run(() -> k.groupedConvForward(a, w, bias, c, conv));
    }

    @Benchmark
    public void conv2d_backward_data_grouped() {
        describe(kernel("conv_grouped", "conv2d_backward_data_grouped"), conv.flops(), convBytes());
        run(() -> k.groupedConvBackwardData(a, w, c, conv));
    }

    @Benchmark
    public void conv2d_backward_weights_grouped() {
        describe(kernel("conv_grouped", "conv2d_backward_weights_grouped"), conv.flops(), convBytes());
        run(() -> k.groupedConvBackwardWeights(a, b, dw, db, conv));
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (DeviceBuffer buf : new DeviceBuffer[] {a, b, c, w, bias, dw, db}) {
            if (buf != null) {
                buf.close();
            }
        }
        close("n=" + n + ", affine/pool [" + rows + "," + channels + "," + plane + "], depthwise conv " + conv);
    }
}
