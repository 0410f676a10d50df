package org.lde.bench;

import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.engine.gpu.ConvKernels;
import org.lde.engine.gpu.ConvKernels.ConvGeometry;
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
 * Time per launch (launch + synchronize, through {@link ConvKernels}) of the convolution kernels of
 * kernels/conv.cu at the sample CNN's layers: conv1 (1 -> 8 channels, 3x3, pad 1, 28x28) and conv2
 * (8 -> 16 channels, 3x3, pad 1, 14x14). At the end of each trial one line gives achieved GFLOP/s
 * (2 N K OH OW C KH KW per launch) and GB/s against the fewest bytes the kernel must move and, on the
 * emulator, the thread-instructions per launch and the memory profile.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="ConvKernelBench -p device=emulator"
 * </pre>
 * {@code batch = 0} means the device's default: 4 on the emulator, 64 (the training batch) on CUDA.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ConvKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    @Param({"conv1", "conv2"})
    public String layer;

    @Param({"0"})
    public int batch;

    private ConvGeometry g;
    private DeviceBuffer x;
    private DeviceBuffer w;
    private DeviceBuffer b;
    private DeviceBuffer y;
    private DeviceBuffer dx;
    private DeviceBuffer dw;
    private DeviceBuffer db;

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        int n = batch > 0 ? batch : onEmulator() ? 4 : 64;
        g = layer.equals("conv1") ? new ConvGeometry(n, 1, 28, 28, 8, 3, 3, 1, 1, 1, 1)
                : new ConvGeometry(n, 8, 14, 14, 16, 3, 3, 1, 1, 1, 1);
        Rng rng = new Rng(12);
        x = random(rng, g.inputSize());
        w = random(rng, g.weightSize());
        b = random(rng, g.k());
        y = random(rng, g.outputSize());   // also the dy of the backward passes
        dx = dev.allocate(4L * g.inputSize());
        dw = dev.allocate(4L * g.weightSize());
        db = dev.allocate(4L * g.k());
    }

    private DeviceBuffer random(Rng rng, long n) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.uniform(-1, 1);
        }
        DeviceBuffer buf = dev.allocate(4L * n);
        buf.write(v);
        return buf;
    }

    private double bytes(long... elements) {
        double s = 0;
        for (long e : elements) {
            s += 4.0 * e;
        }
        return s;
    }

    @Benchmark
    public void conv2d_forward() {
        describe(library.kernel(ConvKernels.CONV_MODULE, "conv2d_forward"), g.flops(),
                bytes(g.inputSize(), g.weightSize(), g.k(), g.outputSize()));
        timed(() -> {
            ConvKernels.conv2dForward(library, x, w, b, y, g);
            dev.synchronize();
        });
    }

    @Benchmark
    public void conv2d_backward_data() {
        describe(library.kernel(ConvKernels.CONV_MODULE, "conv2d_backward_data"), g.flops(),
                bytes(g.outputSize(), g.weightSize(), g.inputSize()));
        timed(() -> {
            ConvKernels.conv2dBackwardData(library, y, w, dx, g);
            dev.synchronize();
        });
    }

    @Benchmark
    public void conv2d_backward_weights() {
        describe(library.kernel(ConvKernels.CONV_MODULE, "conv2d_backward_weights"), g.flops() + (double) g.outputSize(),
                bytes(g.inputSize(), g.outputSize(), g.weightSize(), g.k()));
        timed(() -> {
            ConvKernels.conv2dBackwardWeights(library, x, y, dw, db, g);
            dev.synchronize();
        });
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (DeviceBuffer buf : new DeviceBuffer[] {x, w, b, y, dx, dw, db}) {
            if (buf != null) {
                buf.close();
            }
        }
        close(layer + " " + g);
    }
}
