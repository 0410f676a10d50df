package org.lde.bench;

import java.util.Locale;
import java.util.concurrent.TimeUnit;

import org.lde.device.DeviceBuffer;
import org.lde.device.Kernel;
import org.lde.engine.gpu.DualDeviceOutputs;
import org.lde.engine.gpu.DualDeviceProblem;
import org.lde.engine.gpu.DualStepSize;
import org.lde.engine.gpu.GpuDualSolver;
import org.lde.engine.gpu.GpuKernels;
import org.lde.engine.dual.DualSolverOptions;
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
 * Time per launch (launch + synchronize) of the kernels of kernels/dual.cu. {@code dual_ascent_box}: a batch of
 * {@code B} random problems with {@code K} rows and {@code d} variables in the data box
 * {@code [-x, 1 - x]}, from a cold start, with a gap tolerance no float32 iterate meets, so that every
 * launch runs exactly {@code iterations} ascent iterations (plus a check every 10): the figure is the
 * cost of a fixed amount of work, not of convergence (which DualKernelSuite reports). The summary line
 * gives GFLOP/s against {@code 4 K d} flops per problem and iteration (the two products with A) and
 * GB/s against the fewest bytes a launch must move; on the emulator, thread-instructions per launch.
 *
 * <pre>
 * mvn -B -o -Pbench test-compile exec:exec -Djmh.args="DualKernelBench -p device=emulator"
 * </pre>
 * Defaults ({@code 0}): on the emulator {@code B = 4, d = 200}, 20 iterations; on CUDA
 * {@code B = 1024, d = 784} (MNIST), 200 iterations.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 2, time = 1)
@Fork(1)
public class DualKernelBench extends AbstractKernelBench {

    @Param({"emulator", "cuda"})
    public String device;

    /** Constraints per problem: 1 (flip) or 9 (target class among 10). */
    @Param({"1", "9"})
    public int constraints;

    @Param({"0"})
    public int dim;

    @Param({"0"})
    public int batch;

    @Param({"0"})
    public int iterations;

    private int b;
    private int d;
    private int its;
    private DeviceBuffer a;
    private DeviceBuffer r;
    private DeviceBuffer tl;
    private DeviceBuffer tu;
    private DeviceBuffer eta;
    private DeviceBuffer lambda0;
    private DualDeviceOutputs out;
    private DualDeviceProblem problem;
    private GpuDualSolver solver;
    // dual_linearize_rows: B samples with K rows each (the margin gradients of one reverse pass)
    private DeviceBuffer g;
    private DeviceBuffer scale;
    private DeviceBuffer tv;
    private DeviceBuffer m;
    private DeviceBuffer rows;
    private DeviceBuffer rhs;
    private GpuKernels kernels;
    private boolean ranSolver;

    @Setup(Level.Trial)
    public void setUp() {
        open(device);
        boolean emu = onEmulator();
        b = batch > 0 ? batch : emu ? 4 : 1024;
        d = dim > 0 ? dim : emu ? 200 : 784;
        its = iterations > 0 ? iterations : emu ? 20 : 200;
        int k = constraints;
        Rng rng = new Rng(17);
        float[] av = new float[b * k * d];
        float[] rv = new float[b * k];
        float[] lo = new float[b * d];
        float[] hi = new float[b * d];
        float[] ev = new float[b];
        for (int p = 0; p < b; p++) {
            double[] rows = new double[k * d];
            for (int j = 0; j < k * d; j++) {
                av[p * k * d + j] = (float) rng.uniform(-1, 1);
                rows[j] = av[p * k * d + j];
            }
            for (int i = 0; i < d; i++) {
                float x = (float) rng.uniform();
                lo[p * d + i] = -x;
                hi[p * d + i] = 1 - x;
            }
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    double aij = av[(p * k + j) * d + i];
                    s += Math.max(aij * lo[p * d + i], aij * hi[p * d + i]);
                }
                rv[p * k + j] = (float) (0.5 * s);   // reachable, with much of the box binding
            }
            ev[p] = (float) DualStepSize.of(rows, k, d);
        }
        a = dev.allocate(4L * av.length);
        r = dev.allocate(4L * rv.length);
        tl = dev.allocate(4L * lo.length);
        tu = dev.allocate(4L * hi.length);
        eta = dev.allocate(4L * b);
        lambda0 = dev.allocate(4L * b * k);
        a.write(av);
        r.write(rv);
        tl.write(lo);
        tu.write(hi);
        eta.write(ev);
        lambda0.fill32(0);
        out = DualDeviceOutputs.allocate(dev, b, k, d);
        out.poison();
        problem = DualDeviceProblem.packed(b, k, d, a, r, tl, tu, eta);
        DualSolverOptions opts = DualSolverOptions.builder().maxIterations(its).gapTolerance(1e-30)
                .feasibilityTolerance(1e-6).checkEvery(10).build();
        solver = new GpuDualSolver(library, opts);
        kernels = new GpuKernels(library);
        float[] sv = new float[b * d];
        float[] tvv = new float[b * d];
        for (int i = 0; i < b * d; i++) {
            sv[i] = lo[i]; // D = baseline - x = -x for the zero baseline (lo = -x)
            tvv[i] = (float) (0.25 * rng.uniform());
        }
        float[] mv = new float[b * k];
        for (int j = 0; j < mv.length; j++) {
            mv[j] = (float) -rng.uniform();
        }
        g = dev.allocate(4L * av.length);
        scale = dev.allocate(4L * sv.length);
        tv = dev.allocate(4L * tvv.length);
        m = dev.allocate(4L * mv.length);
        rows = dev.allocate(4L * av.length);
        rhs = dev.allocate(4L * mv.length);
        g.write(av);
        scale.write(sv);
        tv.write(tvv);
        m.write(mv);
        rows.fill32(DeviceBuffer.POISON);
        rhs.fill32(DeviceBuffer.POISON);
    }

    /**
     * The row builder of the explainer's device step: {@code a = D g}, {@code r = kappa - m + a^T t} for
     * {@code B} samples with {@code K} margin rows each ({@code B K} rows of {@code d}); 2 flops per
     * element against the fewest bytes {@code 4 B K (2 d + 2) + 8 B d}.
     */
    @Benchmark
    public void dual_linearize_rows() {
        Kernel k = library.kernel(GpuDualSolver.MODULE, "dual_linearize_rows");
        describe(k, 2.0 * b * constraints * d, 4.0 * b * constraints * (2.0 * d + 2) + 8.0 * b * d);
        timed(() -> {
            kernels.dualLinearizeRows(b, constraints, d, g, scale, tv, m, 0.0, rows, rhs);
            dev.synchronize();
        });
    }

    @Benchmark
    public void dual_ascent_box() {
        Kernel k = library.kernel(GpuDualSolver.MODULE, GpuDualSolver.KERNEL);
        double checks = its / 10 + 1;
        double flops = (double) b * (4.0 * constraints * d * its + 6.0 * constraints * d * checks);
        double bytes = 4.0 * b * (constraints * d + 2.0 * d + 2.0 * constraints) + 4.0 * b * (d + constraints + 3.0);
        describe(k, flops, bytes);
        ranSolver = true;
        timed(() -> {
            solver.launch(problem, lambda0, out);
            dev.synchronize();
        });
    }

    @Setup(Level.Iteration)
    public void startIteration() {
        resetTimings();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        int[] it = new int[b];
        if (out != null && ranSolver) {
            out.iterations().read(it);
        }
        String shape = ranSolver
                ? String.format(Locale.ROOT, "B=%d K=%d d=%d, %d iterations per problem (ran %d)", b, constraints, d, its,
                        it.length > 0 ? it[0] : 0)
                : String.format(Locale.ROOT, "B=%d samples x K=%d rows, d=%d", b, constraints, d);
        for (DeviceBuffer x : new DeviceBuffer[] {a, r, tl, tu, eta, lambda0, g, scale, tv, m, rows, rhs}) {
            if (x != null) {
                x.close();
            }
        }
        if (out != null) {
            out.close();
        }
        close(shape);
    }
}
