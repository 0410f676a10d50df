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
 * Time per launch (launch + synchronize) of the kernels of kernels/elementwise.cu: relu_forward,
 * relu_backward, axpy. At the end of each trial one line gives achieved GFLOP/s and GB/s (fewest
 * bytes: 8n, 12n, 12n) and, on the emulator, the thread-instructions per launch.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="ElementwiseKernelBench -p device=emulator"
 * </pre>
 * {@code n = 0} means the device's default size: 4096 on the emulator, 2^24 on CUDA.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class ElementwiseKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    @Param({"0"})
    public int n;

    private int size;
    private DeviceBuffer x;
    private DeviceBuffer dy;
    private DeviceBuffer y;
    private Kernel reluForward;
    private Kernel reluBackward;
    private Kernel axpy;
    private KernelArgs forwardArgs;
    private KernelArgs backwardArgs;
    private KernelArgs axpyArgs;
    private Dim3 grid;
    private final Dim3 block = Dim3.of(256);

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        size = n > 0 ? n : onEmulator() ? 4096 : 1 << 24;
        Rng rng = new Rng(7);
        float[] values = new float[size];
        for (int i = 0; i < size; i++) {
            values[i] = (float) rng.uniform(-1, 1);
        }
        x = dev.allocate(4L * size);
        dy = dev.allocate(4L * size);
        y = dev.allocate(4L * size);
        x.write(values);
        dy.write(values);
        y.write(values);
        reluForward = library.kernel("elementwise", "relu_forward");
        reluBackward = library.kernel("elementwise", "relu_backward");
        axpy = library.kernel("elementwise", "axpy");
        forwardArgs = KernelArgs.of().ptr(x).ptr(y).i32(size);
        backwardArgs = KernelArgs.of().ptr(x).ptr(dy).ptr(y).i32(size);
        axpyArgs = KernelArgs.of().i32(size).f32(1e-6f).ptr(x).ptr(y);   // tiny a: y stays finite over many launches
        grid = Dim3.of(Math.max(1, Math.min((size + 255) / 256, 4096)));
    }

    @Benchmark
    public void relu_forward() {
        describe(reluForward, 0, 8.0 * size);
        timed(() -> {
            dev.launch(reluForward, grid, block, 0, forwardArgs);
            dev.synchronize();
        });
    }

    @Benchmark
    public void relu_backward() {
        describe(reluBackward, 0, 12.0 * size);
        timed(() -> {
            dev.launch(reluBackward, grid, block, 0, backwardArgs);
            dev.synchronize();
        });
    }

    @Benchmark
    public void axpy() {
        describe(axpy, 2.0 * size, 12.0 * size);
        timed(() -> {
            dev.launch(axpy, grid, block, 0, axpyArgs);
            dev.synchronize();
        });
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (x != null) {
            x.close();
            dy.close();
            y.close();
        }
        close("n=" + size);
    }
}
