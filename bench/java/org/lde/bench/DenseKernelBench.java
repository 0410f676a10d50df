package org.lde.bench;

import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.engine.gpu.GpuKernels;
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
 * Time per launch (launch + synchronize) of kernels/dense.cu: {@code dense_forward},
 * {@code dense_forward_relu} ({@code Y = X W^T + b}, 2 N IN OUT flops, fewest bytes
 * 4 (N IN + OUT IN + OUT + N OUT)) and {@code dense_backward_bias} (column sums of a
 * {@code [N, OUT]} gradient, N OUT flops, 4 (N OUT + OUT) bytes), launched as GpuBackend launches them.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="DenseKernelBench -p device=emulator"
 * </pre>
 * Default sizes: N = 64, IN = 784, OUT = 100 on CUDA (a first MNIST layer at batch 64); N = 9,
 * IN = 37, OUT = 20 on the emulator.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class DenseKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    private int n;
    private int in;
    private int out;
    private GpuKernels k;
    private DeviceBuffer x;
    private DeviceBuffer w;
    private DeviceBuffer b;
    private DeviceBuffer y;

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        boolean emu = onEmulator();
        n = emu ? 9 : 64;
        in = emu ? 37 : 784;
        out = emu ? 20 : 100;
        k = new GpuKernels(library);
        Rng rng = new Rng(11);
        x = filled(rng, n * in);
        w = filled(rng, out * in);
        b = filled(rng, out);
        y = dev.allocate(4L * n * out);
    }

    private DeviceBuffer filled(Rng rng, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) rng.uniform(-1, 1);
        }
        DeviceBuffer buf = dev.allocate(4L * count);
        buf.write(v);
        return buf;
    }

    private double forwardBytes() {
        return 4.0 * ((double) n * in + (double) out * in + out + (double) n * out);
    }

    @Benchmark
    public void dense_forward() {
        describe(library.kernel("dense", "dense_forward"), 2.0 * n * in * out, forwardBytes());
        timed(() -> {
            k.denseForward(x, w, b, y, n, in, out, false);
            dev.synchronize();
        });
    }

    @Benchmark
    public void dense_forward_relu() {
        describe(library.kernel("dense", "dense_forward_relu"), 2.0 * n * in * out, forwardBytes());
        timed(() -> {
            k.denseForward(x, w, b, y, n, in, out, true);
            dev.synchronize();
        });
    }

    @Benchmark
    public void dense_backward_bias() {
        describe(library.kernel("dense", "dense_backward_bias"), (double) n * out, 4.0 * ((double) n * out + out));
        timed(() -> {
            k.denseBackwardBias(y, b, n, out);
            dev.synchronize();
        });
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (DeviceBuffer buf : new DeviceBuffer[] {x, w, b, y}) {
            if (buf != null) {
                buf.close();
            }
        }
        close("N=" + n + " IN=" + in + " OUT=" + out);
    }
}
