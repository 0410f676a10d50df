package org.lde.bench;

import java.util.ArrayList;
import java.util.List;
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
 * Time per launch (launch + synchronize) of the float64 bound kernels of kernels/bound.cu, on one Dense
 * layer {@code out x in} with {@code m} boxes and {@code r} rows: bound_ibp_dense, bound_ibp_relu,
 * bound_back_dense, bound_back_bias, bound_back_relu (adaptive slopes), bound_concretize_linf. The
 * summary line gives achieved GFLOP/s and GB/s (fewest bytes) and, on the emulator, thread-instructions.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="BoundKernelBench -p device=emulator"
 * </pre>
 * {@code in = 0} means the device's default shape: 61 x 37 with 4 boxes and 9 rows on the emulator,
 * 784 x 128 with 32 boxes and 288 rows (CROWN margins of 32 images: 32 x 9) on CUDA.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
public class BoundKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    @Param({"0"})
    public int in;

    private int n;
    private int out;
    private int m;
    private int r;
    private final List<DeviceBuffer> held = new ArrayList<>();
    private Kernel ibpDense;
    private Kernel ibpRelu;
    private Kernel backDense;
    private Kernel backBias;
    private Kernel backRelu;
    private Kernel concretize;
    private KernelArgs ibpDenseArgs;
    private KernelArgs ibpReluArgs;
    private KernelArgs backDenseArgs;
    private KernelArgs backBiasArgs;
    private KernelArgs backReluArgs;
    private KernelArgs concretizeArgs;
    private final Dim3 block = Dim3.of(256);

    private DeviceBuffer doubles(int count, Rng rng, double lo, double hi) {
        int[] w = new int[2 * count];
        for (int i = 0; i < count; i++) {
            long bits = Double.doubleToRawLongBits(rng.uniform(lo, hi));
            w[2 * i] = (int) bits;
            w[2 * i + 1] = (int) (bits >>> 32);
        }
        DeviceBuffer b = dev.allocate(8L * Math.max(1, count));
        b.write(w, 0, 0, w.length);
        held.add(b);
        return b;
    }

    private static Dim3 grid(long work) {
        return Dim3.of((int) Math.max(1, Math.min((work + 255) / 256, 1024)));
    }

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        boolean emu = onEmulator();
        n = in > 0 ? in : emu ? 61 : 784;
        out = emu ? 37 : 128;
        m = emu ? 4 : 32;
        r = emu ? 9 : 288;
        Rng rng = new Rng(3);
        DeviceBuffer w = doubles(out * n, rng, -0.1, 0.1);
        DeviceBuffer b = doubles(out, rng, -0.1, 0.1);
        DeviceBuffer lo = doubles(m * n, rng, 0, 0.5);
        DeviceBuffer hi = doubles(m * n, rng, 0.5, 1);
        DeviceBuffer olo = doubles(m * out, rng, 0, 0);
        DeviceBuffer ohi = doubles(m * out, rng, 0, 0);
        DeviceBuffer rows = doubles(r * out, rng, -1, 1);
        DeviceBuffer rowsIn = doubles(r * n, rng, -1, 1);
        DeviceBuffer bias = doubles(r, rng, 0, 0);
        DeviceBuffer rlo = doubles(m * out, rng, -1, 0.2);
        DeviceBuffer rhi = doubles(m * out, rng, 0.3, 1);
        DeviceBuffer bound = doubles(r, rng, 0, 0);
        int[] inst = new int[r];
        for (int i = 0; i < r; i++) {
            inst[i] = i * m / r;
        }
        DeviceBuffer di = dev.allocate(4L * r);
        di.write(inst, 0, 0, r);
        held.add(di);
        ibpDense = library.kernel("bound", "bound_ibp_dense");
        ibpRelu = library.kernel("bound", "bound_ibp_relu");
        backDense = library.kernel("bound", "bound_back_dense");
        backBias = library.kernel("bound", "bound_back_bias");
        backRelu = library.kernel("bound", "bound_back_relu");
        concretize = library.kernel("bound", "bound_concretize_linf");
        ibpDenseArgs = KernelArgs.of().ptr(w).ptr(b).ptr(lo).ptr(hi).ptr(olo).ptr(ohi).i32(m).i32(n).i32(out);
        ibpReluArgs = KernelArgs.of().ptr(lo).ptr(hi).ptr(olo).ptr(ohi).i64((long) m * out);
        backDenseArgs = KernelArgs.of().ptr(rows).ptr(w).ptr(rowsIn).i32(r).i32(out).i32(n);
        backBiasArgs = KernelArgs.of().ptr(rows).ptr(b).ptr(bias).i32(r).i32(out);
        // in place on rows: after the first launch the rows keep their (relaxed) values, a fixed point
        backReluArgs = KernelArgs.of().ptr(rows).ptr(bias).ptr(rlo).ptr(rhi).i64(0).ptr(di).i32(r).i32(out);
        concretizeArgs = KernelArgs.of().ptr(rowsIn).ptr(bias).ptr(lo).ptr(hi).ptr(di).ptr(bound).i32(r).i32(n);
    }

    private void run(Kernel k, long work, KernelArgs args, double flops, double bytes) {
        describe(k, flops, bytes);
        Dim3 g = grid(work);
        timed(() -> {
            dev.launch(k, g, block, 0, args);
            dev.synchronize();
        });
    }

    @Benchmark
    public void bound_ibp_dense() {
        run(ibpDense, (long) m * out, ibpDenseArgs, 6.0 * m * out * n, 8.0 * (out * n + out + 2.0 * m * n + 2.0 * m * out));
    }

    @Benchmark
    public void bound_ibp_relu() {
        run(ibpRelu, (long) m * out, ibpReluArgs, 0, 8.0 * 4 * m * out);
    }

    @Benchmark
    public void bound_back_dense() {
        run(backDense, (long) r * n, backDenseArgs, 2.0 * r * out * n, 8.0 * (r * out + out * n + r * n));
    }

    @Benchmark
    public void bound_back_bias() {
        run(backBias, r, backBiasArgs, 2.0 * r * out, 8.0 * (r * out + out + 2.0 * r));
    }

    @Benchmark
    public void bound_back_relu() {
        run(backRelu, r, backReluArgs, 4.0 * r * out, 8.0 * (2.0 * r * out + 2.0 * m * out + 2.0 * r) + 4.0 * r);
    }

    @Benchmark
    public void bound_concretize_linf() {
        run(concretize, r, concretizeArgs, 4.0 * r * n, 8.0 * (r * n + 2.0 * m * n + 2.0 * r) + 4.0 * r);
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        held.forEach(DeviceBuffer::close);
        held.clear();
        close("in=" + n + " out=" + out + " boxes=" + m + " rows=" + r);
    }
}
