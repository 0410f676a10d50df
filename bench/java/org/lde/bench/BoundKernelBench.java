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
 * bound_back_dense, bound_back_bias, bound_back_relu (adaptive slopes), bound_concretize_linf; and of
 * kernels/bound_window.cu on one 3x3 padded convolution {@code [C, H, W] -> [O, H, W]} (the sample CNN's second:
 * 8 x 14 x 14 -> 16 on CUDA, 3 x 9 x 7 -> 5 on the emulator) with rows in 3x3 windows of its output: bound_ibp_conv,
 * bound_ibp_pool (2x2 max), bound_ibp_affine, bound_ibp_gap, bound_ibp_act (sigmoid), bound_back_window,
 * bound_back_window_bias, bound_maxpool_rule, bound_back_maxpool, bound_lines_leaky, bound_lines_sshaped (tanh),
 * bound_back_lines, bound_back_affine, bound_back_gap, bound_rows_full, bound_concretize_window. The
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
    // the convolution shapes of the window kernels
    private int cc;
    private int hh;
    private int wd;
    private int oc;
    private final java.util.Map<String, Object[]> window = new java.util.HashMap<>();

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
        setUpWindows(rng, di);
    }

    /** Arguments of the window kernels: the convolution [cc, hh, wd] -> [oc, hh, wd] (3x3, pad 1), rows in 3x3 windows. */
    private void setUpWindows(Rng rng, DeviceBuffer di) {
        boolean emu = onEmulator();
        cc = emu ? 3 : 8;
        hh = emu ? 9 : 14;
        wd = emu ? 7 : 14;
        oc = emu ? 5 : 16;
        int in = cc * hh * wd;
        int on = oc * hh * wd;
        DeviceBuffer w = doubles(oc * cc * 9, rng, -0.3, 0.3);
        DeviceBuffer b = doubles(oc, rng, -0.1, 0.1);
        DeviceBuffer lo = doubles(m * in, rng, -1, 0.1);
        DeviceBuffer hi = doubles(m * in, rng, 0.2, 1);
        DeviceBuffer olo = doubles(m * on, rng, 0, 0);
        DeviceBuffer ohi = doubles(m * on, rng, 0, 0);
        DeviceBuffer nlo = doubles(m * on, rng, -1, 0.1);
        DeviceBuffer nhi = doubles(m * on, rng, 0.2, 1);
        DeviceBuffer rows = doubles(r * oc * 9, rng, -1, 1);
        DeviceBuffer rowsIn = doubles(r * cc * 25, rng, 0, 0);
        DeviceBuffer full = doubles(r * on, rng, 0, 0);
        DeviceBuffer bias = doubles(r, rng, 0, 0);
        // slopes 1: the in-place kernels (bound_back_lines, bound_back_affine) keep the rows' values from launch to launch
        DeviceBuffer[] lines = {doubles(m * on, rng, 1, 1), doubles(m * on, rng, -0.1, 0), doubles(m * on, rng, 1, 1),
            doubles(m * on, rng, 0, 0.1)};
        int[] originH = new int[r];
        int[] originW = new int[r];
        int[] nh0 = new int[r];
        int[] nw0 = new int[r];
        for (int i = 0; i < r; i++) {
            originH[i] = (i * 5) % (hh - 2);
            originW[i] = (i * 3) % (wd - 2);
            nh0[i] = originH[i] - 1;
            nw0[i] = originW[i] - 1;
        }
        DeviceBuffer oh = ints(originH);
        DeviceBuffer ow = ints(originW);
        DeviceBuffer dnh = ints(nh0);
        DeviceBuffer dnw = ints(nw0);
        DeviceBuffer free = ints(new int[m * on]);
        int ph = hh / 2;
        int pw = wd / 2;
        DeviceBuffer star = ints(new int[m * oc * ph * pw]);
        DeviceBuffer var = ints(new int[m * oc * ph * pw]);
        DeviceBuffer uc = doubles(m * oc * ph * pw, rng, 0, 1);
        long gap = (long) m * oc;
        put("bound_ibp_conv", (long) m * on, 6.0 * m * on * cc * 9, 8.0 * (oc * cc * 9 + 2.0 * m * in + 2.0 * m * on),
                KernelArgs.of().ptr(w).ptr(b).ptr(lo).ptr(hi).ptr(olo).ptr(ohi).i32(m).i32(cc).i32(hh).i32(wd).i32(oc).i32(hh)
                        .i32(wd).i32(3).i32(3).i32(1).i32(1).i32(1).i32(1).i32(1).i32(1).i32(1));
        put("bound_ibp_pool", (long) m * oc * ph * pw, 0, 8.0 * (2.0 * m * on + 2.0 * m * oc * ph * pw),
                KernelArgs.of().ptr(nlo).ptr(nhi).ptr(olo).ptr(ohi).i32(m).i32(oc).i32(hh).i32(wd).i32(ph).i32(pw).i32(2)
                        .i32(2).i32(2).i32(2).i32(0).i32(0).i32(1));
        put("bound_ibp_affine", (long) m * on, 6.0 * m * on, 8.0 * 4 * m * on, KernelArgs.of().ptr(b).ptr(b).ptr(nlo).ptr(nhi)
                .ptr(olo).ptr(ohi).i32(m).i32(oc).i32(hh * wd));
        put("bound_ibp_gap", gap, 2.0 * m * on, 8.0 * (2.0 * m * on + 2.0 * gap), KernelArgs.of().ptr(nlo).ptr(nhi).ptr(olo)
                .ptr(ohi).i32((int) gap).i32(hh * wd));
        put("bound_ibp_act", (long) m * on, 0, 8.0 * 4 * m * on, KernelArgs.of().ptr(nlo).ptr(nhi).ptr(olo).ptr(ohi)
                .i64((long) m * on).i32(1).f64(0));
        put("bound_back_window", (long) r * cc * 25, 2.0 * r * oc * 9 * cc * 9, 8.0 * (r * oc * 9 + oc * cc * 9 + r * cc * 25),
                KernelArgs.of().ptr(rows).ptr(w).f64(-1).ptr(oh).ptr(ow).ptr(dnh).ptr(dnw).ptr(rowsIn).i32(r).i32(oc).i32(3)
                        .i32(3).i32(cc).i32(5).i32(5).i32(hh).i32(wd).i32(3).i32(3).i32(1).i32(1).i32(1).i32(1).i32(1).i32(1)
                        .i32(1));
        put("bound_back_window_bias", r, 2.0 * r * oc * 9, 8.0 * (r * oc * 9 + oc + 2.0 * r), KernelArgs.of().ptr(rows).ptr(b)
                .ptr(bias).i32(r).i32(oc).i32(9));
        put("bound_maxpool_rule", (long) m * oc * ph * pw, 0, 8.0 * (2.0 * m * on + 2.0 * m * oc * ph * pw),
                KernelArgs.of().ptr(nlo).ptr(nhi).ptr(star).ptr(var).ptr(uc).i32(m).i32(oc).i32(hh).i32(wd).i32(ph).i32(pw)
                        .i32(2).i32(2).i32(2).i32(2).i32(0).i32(0).f64(1e-9));
        // rows in 3x3 windows of the pool's output grid [oc, ph, pw]; the rule's star cells are 0 (valid for channel 0);
        // every coefficient of channels > 0 takes the constant (var = 0, negative or not) -- timing, not arithmetic
        put("bound_back_maxpool", r, 2.0 * r * oc * 9, 8.0 * (r * oc * 9 + r * oc * 36), KernelArgs.of().ptr(rows).ptr(bias)
                .ptr(star).ptr(var).ptr(uc).ptr(di).ptr(ints(new int[r])).ptr(ints(new int[r])).ptr(ints(new int[r]))
                .ptr(ints(new int[r])).ptr(rowsIn).i32(r).i32(1).i32(3).i32(3).i32(ph).i32(pw).i32(hh).i32(wd).i32(5).i32(5));
        put("bound_lines_leaky", (long) m * on, 6.0 * m * on, 8.0 * 6 * m * on, KernelArgs.of().ptr(nlo).ptr(nhi).ptr(lines[0])
                .ptr(lines[1]).ptr(lines[2]).ptr(lines[3]).ptr(free).i64((long) m * on).f64(0.01).f64(1e-8));
        put("bound_lines_sshaped", (long) m * on, 0, 8.0 * 6 * m * on, KernelArgs.of().ptr(nlo).ptr(nhi).ptr(olo).ptr(ohi)
                .ptr(olo).ptr(ohi).ptr(free).i64((long) m * on).i32(2).f64(1e-9).f64(1e-12).i32(40));
        put("bound_back_lines", r, 4.0 * r * oc * 9, 8.0 * (2.0 * r * oc * 9 + 4.0 * m * on), KernelArgs.of().ptr(rows).ptr(bias)
                .ptr(lines[0]).ptr(lines[1]).ptr(lines[2]).ptr(lines[3]).ptr(free).i64(0).ptr(di).ptr(oh).ptr(ow).i32(r)
                .i32(oc).i32(3).i32(3).i32(hh).i32(wd));
        put("bound_back_affine", r, 4.0 * r * oc * 9, 8.0 * 2 * r * oc * 9, KernelArgs.of().ptr(rows).ptr(bias).ptr(lines[0])
                .ptr(b).i32(r).i32(oc).i32(9));
        put("bound_back_gap", (long) r * on, r * on, 8.0 * (r * oc + r * on), KernelArgs.of().ptr(rows).ptr(full).i32(r).i32(oc)
                .i32(hh * wd));
        // rows in 5x5 windows of the convolution's input grid, over L_inf boxes [lo, hi] of each instance
        put("bound_concretize_window", r, 4.0 * r * cc * 25, 8.0 * (r * cc * 25 + 2.0 * r * cc * 25 + 2.0 * r) + 4.0 * r,
                KernelArgs.of().ptr(rowsIn).ptr(bias).ptr(lo).ptr(hi).ptr(b).ptr(di).ptr(dnh).ptr(dnw).ptr(uc).i32(r).i32(cc)
                        .i32(5).i32(5).i32(hh).i32(wd).i32(0));
        put("bound_rows_full", (long) r * on, 0, 8.0 * (r * oc * 9 + r * on), KernelArgs.of().ptr(rows).ptr(oh).ptr(ow)
                .ptr(full).i32(r).i32(oc).i32(3).i32(3).i32(hh).i32(wd));
    }

    private DeviceBuffer ints(int[] v) {
        DeviceBuffer b = dev.allocate(4L * Math.max(1, v.length));
        b.write(v, 0, 0, v.length);
        held.add(b);
        return b;
    }

    private void put(String kernel, long work, double flops, double bytes, KernelArgs args) {
        window.put(kernel, new Object[] {library.kernel("bound_window", kernel), work, flops, bytes, args});
    }

    private void runWindow(String kernel) {
        Object[] k = window.get(kernel);
        run((Kernel) k[0], (Long) k[1], (KernelArgs) k[4], (Double) k[2], (Double) k[3]);
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

    @Benchmark
    public void bound_ibp_conv() {
        runWindow("bound_ibp_conv");
    }

    @Benchmark
    public void bound_ibp_pool() {
        runWindow("bound_ibp_pool");
    }

    @Benchmark
    public void bound_ibp_affine() {
        runWindow("bound_ibp_affine");
    }

    @Benchmark
    public void bound_ibp_gap() {
        runWindow("bound_ibp_gap");
    }

    @Benchmark
    public void bound_ibp_act() {
        runWindow("bound_ibp_act");
    }

    @Benchmark
    public void bound_back_window() {
        runWindow("bound_back_window");
    }

    @Benchmark
    public void bound_back_window_bias() {
        runWindow("bound_back_window_bias");
    }

    @Benchmark
    public void bound_maxpool_rule() {
        runWindow("bound_maxpool_rule");
    }

    @Benchmark
    public void bound_back_maxpool() {
        runWindow("bound_back_maxpool");
    }

    @Benchmark
    public void bound_lines_leaky() {
        runWindow("bound_lines_leaky");
    }

    @Benchmark
    public void bound_lines_sshaped() {
        runWindow("bound_lines_sshaped");
    }

    @Benchmark
    public void bound_back_lines() {
        runWindow("bound_back_lines");
    }

    @Benchmark
    public void bound_back_affine() {
        runWindow("bound_back_affine");
    }

    @Benchmark
    public void bound_back_gap() {
        runWindow("bound_back_gap");
    }

    @Benchmark
    public void bound_rows_full() {
        runWindow("bound_rows_full");
    }

    @Benchmark
    public void bound_concretize_window() {
        runWindow("bound_concretize_window");
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        held.forEach(DeviceBuffer::close);
        held.clear();
        close("in=" + n + " out=" + out + " boxes=" + m + " rows=" + r + "; conv " + cc + "x" + hh + "x" + wd + " -> " + oc);
    }
}
