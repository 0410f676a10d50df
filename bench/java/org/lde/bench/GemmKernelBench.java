package org.lde.bench;

import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
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
 * Time per launch (launch + synchronize) of the SGEMM kernels of kernels/gemm.cu: sgemm_nn,
 * sgemm_nt, sgemm_tn, square M = N = K, alpha = 1, beta = 0. At the end of each trial one line gives
 * achieved GFLOP/s (2 M N K per launch) and GB/s (fewest bytes, 4 (MK + KN + MN)) and, on the
 * emulator, the thread-instructions per launch and the memory profile.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="GemmKernelBench -p device=emulator"
 * </pre>
 * {@code size = 0} means the device's default: 64 on the emulator, 2048 on CUDA.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class GemmKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    @Param({"0"})
    public int size;

    private int s;
    private DeviceBuffer a;
    private DeviceBuffer b;
    private DeviceBuffer c;
    private KernelArgs args;
    private Dim3 grid;
    private final Dim3 block = Dim3.of(256);

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        s = size > 0 ? size : onEmulator() ? 64 : 2048;
        Rng rng = new Rng(11);
        float[] values = new float[s * s];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rng.uniform(-1, 1);
        }
        a = dev.allocate(4L * s * s);
        b = dev.allocate(4L * s * s);
        c = dev.allocate(4L * s * s);
        a.write(values);
        b.write(values);
        c.fill32(DeviceBuffer.POISON);
        // square and packed: the same arguments serve all three forms
        args = KernelArgs.of().i32(s).i32(s).i32(s).f32(1f).ptr(a).i32(s).ptr(b).i32(s).f32(0f).ptr(c).i32(s);
        grid = new Dim3((s + 31) / 32, (s + 31) / 32, 1);
    }

    private void run(String kernelName) {
        Kernel k = library.kernel("gemm", kernelName);   // cached by the library after the first call
        describe(k, 2.0 * s * s * s, 4.0 * 3 * s * s);
        timed(() -> {
            dev.launch(k, grid, block, 0, args);
            dev.synchronize();
        });
    }

    @Benchmark
    public void sgemm_nn() {
        run("sgemm_nn");
    }

    @Benchmark
    public void sgemm_nt() {
        run("sgemm_nt");
    }

    @Benchmark
    public void sgemm_tn() {
        run("sgemm_tn");
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (a != null) {
            a.close();
            b.close();
            c.close();
        }
        close("M=N=K=" + s);
    }
}
