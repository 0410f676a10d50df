package org.lde.bench;

import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.engine.gpu.ConvKernels;
import org.lde.engine.gpu.ConvKernels.PoolGeometry;
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
 * Time per launch (launch + synchronize, through {@link ConvKernels}) of the pooling kernels of
 * kernels/pool.cu at the sample CNN's 2x2 stride-2 pooling layers: pool1 on [8, 28, 28] and pool2 on
 * [16, 14, 14]. At the end of each trial one line gives GB/s against the fewest bytes the kernel must
 * move (pooling has no multiplications worth counting: the flop figure is its adds or compares) and,
 * on the emulator, the thread-instructions per launch and the memory profile.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="PoolKernelBench -p device=emulator"
 * </pre>
 * {@code batch = 0} means the device's default: 4 on the emulator, 64 on CUDA. The backward passes
 * run one gradient row per sample.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class PoolKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    @Param({"pool1", "pool2"})
    public String layer;

    @Param({"0"})
    public int batch;

    private PoolGeometry g;
    private DeviceBuffer x;
    private DeviceBuffer y;
    private DeviceBuffer argmax;
    private DeviceBuffer dx;

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        int n = batch > 0 ? batch : onEmulator() ? 4 : 64;
        g = layer.equals("pool1") ? new PoolGeometry(n, 8, 28, 28, 2, 2, 2, 2, 0, 0)
                : new PoolGeometry(n, 16, 14, 14, 2, 2, 2, 2, 0, 0);
        Rng rng = new Rng(13);
        float[] v = new float[(int) g.inputSize()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.uniform(-1, 1);
        }
        x = dev.allocate(4L * g.inputSize());
        x.write(v);
        y = dev.allocate(4L * g.outputSize());     // also the dy of the backward passes
        argmax = dev.allocate(4L * g.outputSize());
        dx = dev.allocate(4L * g.inputSize());
        ConvKernels.maxPool2dForward(library, x, y, argmax, g);   // a valid argmax for maxpool2d_backward
        dev.synchronize();
    }

    private double windowOps() {
        return (double) g.outputSize() * g.kh() * g.kw();
    }

    @Benchmark
    public void maxpool2d_forward() {
        describe(library.kernel(ConvKernels.POOL_MODULE, "maxpool2d_forward"), windowOps(), 4.0 * (g.inputSize() + 2 * g.outputSize()));
        timed(() -> {
            ConvKernels.maxPool2dForward(library, x, y, argmax, g);
            dev.synchronize();
        });
    }

    @Benchmark
    public void maxpool2d_backward() {
        describe(library.kernel(ConvKernels.POOL_MODULE, "maxpool2d_backward"), g.outputSize(), 4.0 * (2 * g.outputSize() + g.inputSize()));
        timed(() -> {
            ConvKernels.maxPool2dBackward(library, y, argmax, dx, g.n(), 1, g);
            dev.synchronize();
        });
    }

    @Benchmark
    public void avgpool2d_forward() {
        describe(library.kernel(ConvKernels.POOL_MODULE, "avgpool2d_forward"), windowOps(), 4.0 * (g.inputSize() + g.outputSize()));
        timed(() -> {
            ConvKernels.avgPool2dForward(library, x, y, g);
            dev.synchronize();
        });
    }

    @Benchmark
    public void avgpool2d_backward() {
        describe(library.kernel(ConvKernels.POOL_MODULE, "avgpool2d_backward"), windowOps(), 4.0 * (g.outputSize() + g.inputSize()));
        timed(() -> {
            ConvKernels.avgPool2dBackward(library, y, dx, g);
            dev.synchronize();
        });
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (DeviceBuffer buf : new DeviceBuffer[] {x, y, argmax, dx}) {
            if (buf != null) {
                buf.close();
            }
        }
        close(layer + " " + g);
    }
}
