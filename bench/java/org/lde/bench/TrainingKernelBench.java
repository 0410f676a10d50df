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
 * Time per launch (launch + synchronize) of the small kernels GpuBackend adds, one benchmark
 * method per kernel: kernels/activation.cu {@code relu_backward_seeded} (rows = N S of size d),
 * kernels/loss.cu {@code cross_entropy_forward_backward} and {@code mse_forward_backward} ([N, C]
 * logits), kernels/seeds.cu {@code seeds_identity} ([N, C, C]) and {@code seeds_margin}, and
 * kernels/optim.cu {@code sgd_step} (with momentum) and {@code adam_step} (P parameters). The
 * summary line gives GB/s against each kernel's fewest bytes (its header's napkin math).
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="TrainingKernelBench -p device=emulator"
 * </pre>
 * Sizes: CUDA N = 256, C = 10, d = 784, S = 10, P = 2^20; emulator N = 9, C = 10, d = 37, S = 10, P = 4099.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class TrainingKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    private int n;
    private int c;
    private int d;
    private int s;
    private int p;
    private GpuKernels k;
    private DeviceBuffer act;    // [N, d]
    private DeviceBuffer rows;   // [N S, d]
    private DeviceBuffer rowsOut;
    private DeviceBuffer z;      // [N, C]
    private DeviceBuffer t;      // [N, C]
    private DeviceBuffer y;      // int [N]
    private DeviceBuffer perSample;
    private DeviceBuffer correct;
    private DeviceBuffer grad;
    private DeviceBuffer seeds;  // [N, C, C]
    private DeviceBuffer params;
    private DeviceBuffer pgrad;
    private DeviceBuffer m1;
    private DeviceBuffer m2;
    private long adamSteps;

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        boolean emu = onEmulator();
        n = emu ? 9 : 256;
        c = 10;
        d = emu ? 37 : 784;
        s = 10;
        p = emu ? 4099 : 1 << 20;
        k = new GpuKernels(library);
        Rng rng = new Rng(13);
        act = filled(rng, n * d, 1);
        rows = filled(rng, n * s * d, 1);
        rowsOut = dev.allocate(4L * n * s * d);
        z = filled(rng, n * c, 4);
        t = filled(rng, n * c, 1);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = rng.nextInt(c);
        }
        y = dev.allocate(4L * n);
        y.write(labels);
        perSample = dev.allocate(4L * n);
        correct = dev.allocate(4L * n);
        grad = dev.allocate(4L * n * c);
        seeds = dev.allocate(4L * n * c * c);
        params = filled(rng, p, 1);
        pgrad = filled(rng, p, 1e-3);
        m1 = dev.allocate(4L * p);
        m2 = dev.allocate(4L * p);
        m1.fill32(0);
        m2.fill32(0);
    }

    private DeviceBuffer filled(Rng rng, int count, double scale) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) (scale * rng.uniform(-1, 1));
        }
        DeviceBuffer buf = dev.allocate(4L * count);
        buf.write(v);
        return buf;
    }

    @Benchmark
    public void relu_backward_seeded() {
        describe(library.kernel("activation", "relu_backward_seeded"), 0, 4.0 * (2.0 * n * s * d + (double) n * d));
        timed(() -> {
            k.reluBackwardSeeded(act, rows, rowsOut, n * s, s, d);
            dev.synchronize();
        });
    }

    @Benchmark
    public void cross_entropy_forward_backward() {
        describe(library.kernel("loss", "cross_entropy_forward_backward"), 4.0 * n * c, 4.0 * (2.0 * n * c + 3.0 * n));
        timed(() -> {
            k.crossEntropy(z, y, perSample, grad, correct, n, c, 1f / n);
            dev.synchronize();
        });
    }

    @Benchmark
    public void mse_forward_backward() {
        describe(library.kernel("loss", "mse_forward_backward"), 4.0 * n * c, 4.0 * (3.0 * n * c + n));
        timed(() -> {
            k.mse(z, t, perSample, grad, n, c, 1f / (n * c));
            dev.synchronize();
        });
    }

    @Benchmark
    public void seeds_identity() {
        describe(library.kernel("seeds", "seeds_identity"), 0, 4.0 * n * c * c);
        timed(() -> {
            k.seedsIdentity(seeds, n, c);
            dev.synchronize();
        });
    }

    @Benchmark
    public void seeds_margin() {
        describe(library.kernel("seeds", "seeds_margin"), 0, 4.0 * ((double) n * c + 2.0 * n));
        timed(() -> {
            k.seedsMargin(y, y, seeds, n, c);
            dev.synchronize();
        });
    }

    @Benchmark
    public void sgd_step() {
        describe(library.kernel("optim", "sgd_step"), 6.0 * p, 4.0 * 5 * p);
        timed(() -> {
            k.sgdStep(params, pgrad, m1, p, 1e-6f, 0.9f, 0f, false);
            dev.synchronize();
        });
    }

    @Benchmark
    public void adam_step() {
        describe(library.kernel("optim", "adam_step"), 13.0 * p, 4.0 * 7 * p);
        timed(() -> {
            k.adamStep(params, pgrad, m1, m2, p, ++adamSteps, 1e-6, 0.9, 0.999, 1e-8, 0);
            dev.synchronize();
        });
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (DeviceBuffer buf : new DeviceBuffer[] {act, rows, rowsOut, z, t, y, perSample, correct, grad, seeds, params, pgrad, m1, m2}) {
            if (buf != null) {
                buf.close();
            }
        }
        close("N=" + n + " C=" + c + " d=" + d + " S=" + s + " P=" + p);
    }
}
