package org.lde.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.lde.device.Device;
import org.lde.device.DeviceBuffer;
import org.lde.device.DeviceException;
import org.lde.device.Dim3;
import org.lde.device.Kernel;
import org.lde.device.KernelArgs;
import org.lde.device.KernelLibrary;
import org.lde.engine.dual.Certificates;
import org.lde.engine.dual.DualLinearAlgebra;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualResults;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolver;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.Objective;
import org.lde.engine.dual.ReferenceDualSolver;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * The batched L2 dual solver of METHOD.md section 3 on a {@link Device}: accelerated projected dual
 * ascent in float32, one thread block per problem (kernel {@code dual_ascent_box} of kernels/dual.cu,
 * whose header states the math, the stopping rule and the launch shape). The float64 truth it is
 * checked against is {@link org.lde.engine.dual.ReferenceDualSolver} (validation: DualKernelSuite).
 *
 * <h2>What the kernel computes and what the host adds</h2>
 * {@link #solve(DualProblem, Tensor)} converts the problem to float32, computes the steps
 * {@code eta_b = 1/||A_b||_2^2} in float64 ({@link DualStepSize}), uploads, launches once for the whole
 * batch and downloads {@code lambda, t, G}, the iteration counts and the status codes. It then builds
 * each {@link DualSolution} in float64 from the kernel's {@code lambda} (refined by the float64
 * active-set step below when that certifies a smaller gap), with the same definitions as the reference: {@code t = clip(A^T lambda, tl, tu)}, {@code nu = A^T lambda - t},
 * the dual value {@code G(lambda)} ({@link Certificates#weakDualityBound}: a certified lower bound on
 * {@code p*} for any {@code lambda >= 0}, so the kernel's rounding never weakens the certificate),
 * the primal value {@code 1/2||t||^2} when {@code t} is feasible to
 * {@link DualSolverOptions#feasibilityTolerance()} (else {@code +Infinity}), the relative gap and the
 * KKT residuals (all by {@link DualResults#l2Result}, the code the reference uses). The float32 {@code t} and {@code G} of the kernel are kept
 * in {@link DualKernelResult} for callers that stay on the device; they agree with the float64
 * recomputation to float32 rounding.
 *
 * <h2>Status</h2>
 * <ul>
 *   <li>{@code SOLVED}: the kernel stopped on its float32 test (feasible to the tolerance, relative
 *       gap at most the tolerance) and the float64 re-evaluation confirms it by the reference's rule
 *       ({@link DualResults#l2Result}: feasible, and the gap within the tolerance or at its float64
 *       rounding floor). A kernel stop that float64 does not confirm is reported as {@code MAX_ITER}
 *       with the float64 figures.</li>
 *   <li>{@code INFEASIBLE_IN_BOX}: by the one rule of {@link DualResults}, whatever the kernel's own
 *       test said: a single row whose float64 certificate {@code mu = e_j} beats rounding
 *       ({@code mu^T r - sigma_box(A^T mu) > 1e-12 (|mu|^T |r| + sum_i |w_i| max(|tl_i|, |tu_i|))};
 *       for {@code K = 1} the exact test of METHOD.md section 3), or, for {@code K > 1} after
 *       {@code MAX_ITER}, the direction {@code mu = lambda/||lambda||_1} of the diverging ascent. When the
 *       kernel's row test fired but float64 does not confirm it beyond rounding (a knife edge), the float64
 *       {@link ReferenceDualSolver} solves that problem, so that both solvers report the same.</li>
 *   <li>{@code MAX_ITER} otherwise (iteration limit; infeasible problems that no single row or the
 *       final direction certifies). The fields hold the last iterate, not the best one.</li>
 * </ul>
 *
 * <h2>Repair, and the float64 active-set step</h2>
 * No repair of {@code t(lambda)}: it is in the box by construction and counts as feasible to the
 * tolerance, as in the reference. Scaling {@code t} is not a valid repair (it leaves the box where a
 * bound binds, and cannot fix a row with {@code a_k^T t < 0}). What the host does instead, when
 * {@link DualSolverOptions#activeSetStep()} is on (the default), is the reference's last exact step in
 * float64 ({@link DualLinearAlgebra#activeSetStep}, with up to {@code K} rounds: a row whose solved
 * multiplier is negative leaves the active set and the system is solved again): from the kernel's
 * {@code lambda}, solve the KKT equations on its active rows and free coordinates, and keep the result
 * only if its {@code t} is feasible and its float64 gap is smaller than that of the kernel's
 * {@code lambda}. The float32 ascent pins {@code t} and
 * {@code G} but, where the active rows are nearly parallel (target rows {@code J_c - J_j} share
 * {@code J_c}), leaves {@code lambda} off by about {@code 2^-24 cond(A_F A_F^T)}; the step removes that
 * once the kernel has found the active set. It never changes the status (a kernel that ran out of
 * iterations stays MAX_ITER). With the step off, the solutions are built from the kernel's
 * {@code lambda} alone.
 *
 * <h2>Tolerances</h2>
 * float32 cannot resolve the reference's default gap of {@code 1e-12}, nor much below {@code 1e-6} (the
 * rounding of {@code A t}): {@link #float32Defaults()} asks for a relative gap and feasibility of
 * {@code 1e-5}, and the kernel stops at {@code 0.2} of the requested tolerances
 * ({@code KERNEL_TOLERANCE_SHARE}), leaving the rest for the difference between its float32 estimate and
 * the float64 re-evaluation. Measured (DualKernelSuite, and 960 random problems with {@code K <= 9}):
 * the kernel's own {@code t} and {@code G} within about {@code 1e-5} of the reference, {@code t} within
 * {@code 6.1e-5} for rows sharing 90% of their direction (its {@code lambda} there: up to {@code 1.1e-3},
 * see above). A tighter request than float32 can meet ends as {@code MAX_ITER} at the iteration limit.
 * {@link DualSolverOptions#exactOneConstraint()} is ignored (the kernel has one method for every
 * {@code K}). Problems are converted to float32 (values round to the nearest
 * float; finite bounds beyond the float range become infinite).
 */
public final class GpuDualSolver implements DualSolver {
    /** The module (kernels/dual.cu) and kernel names. */
    public static final String MODULE = "dual";
    public static final String KERNEL = "dual_ascent_box";
    /** Status codes written by the kernel. */
    public static final int STATUS_SOLVED = 0;
    public static final int STATUS_INFEASIBLE_IN_BOX = 1;
    public static final int STATUS_MAX_ITER = 2;
    /** Passing this thread count picks {@link #threadsFor(int)} per launch (the default). */
    public static final int AUTO_THREADS = 0;

    /** The kernel stops at this share of the requested tolerances; the rest absorbs float32 vs float64. */
    static final double KERNEL_TOLERANCE_SHARE = 0.2;

    private final KernelLibrary library;
    private final DualSolverOptions options;
    private final int threads;

    /** A solver on {@code library}'s device (not owned) with {@link #float32Defaults()}. */
    public GpuDualSolver(KernelLibrary library) {
        this(library, float32Defaults(), AUTO_THREADS);
    }

    public GpuDualSolver(KernelLibrary library, DualSolverOptions options) {
        this(library, options, AUTO_THREADS);
    }

    /**
     * @param threadsPerBlock a multiple of 32 in [32, 256], or {@link #AUTO_THREADS}; the results do not
     *                        depend on it beyond rounding (the order of the sums)
     */
    public GpuDualSolver(KernelLibrary library, DualSolverOptions options, int threadsPerBlock) {
        this.library = Objects.requireNonNull(library, "library");
        this.options = Objects.requireNonNull(options, "options");
        if (threadsPerBlock != AUTO_THREADS
                && (threadsPerBlock < 32 || threadsPerBlock > 256 || threadsPerBlock % 32 != 0)) {
            throw new IllegalArgumentException("threadsPerBlock must be a multiple of 32 in [32, 256] or AUTO_THREADS, got "
                    + threadsPerBlock);
        }
        this.threads = threadsPerBlock;
    }

    /**
     * The block size for {@code d} variables: about 8 coordinates per thread, rounded up to a whole
     * warp, between 32 and 256 ({@code d = 200}: 32; {@code d = 784}: 128; {@code d >= 1793}: 256). Each
     * iteration ends in block reductions of {@code K} sums whose cost grows with the thread count
     * (5 shuffles per sum per thread); measured on the emulator at {@code d = 200, K = 9}, 32 threads
     * execute half the thread-instructions of 128.
     */
    public static int threadsFor(int d) {
        int t = (d + 7) / 8;
        t = (t + 31) / 32 * 32;
        return Math.max(32, Math.min(256, t));
    }

    /** Options that float32 can meet: 5000 iterations, gap and feasibility {@code 1e-6}, a check every 10. */
    public static DualSolverOptions float32Defaults() {
        return DualSolverOptions.builder().maxIterations(5000).gapTolerance(1e-5).feasibilityTolerance(1e-5)
                .checkEvery(10).build();
    }

    public DualSolverOptions options() {
        return options;
    }

    @Override
    public DualSolutions solve(DualProblem problem) {
        return solve(problem, Tensor.zeros(problem.batch(), problem.constraints()));
    }

    /** Solves every problem in one launch, warm-started from {@code lambda0 [B, K]} (finite, {@code >= 0}). */
    public DualSolutions solve(DualProblem problem, Tensor lambda0) {
        return solutions(problem, runKernel(problem, lambda0));
    }

    /**
     * Uploads {@code problem} (float32), poisons the outputs, launches {@code dual_ascent_box} once and
     * downloads its raw outputs, unchecked (see {@link #solutions} for the checked float64 results).
     */
    public DualKernelResult runKernel(DualProblem problem, Tensor lambda0) {
        requireL2(problem);
        int bN = problem.batch();
        int kN = problem.constraints();
        int dN = problem.dim();
        Shape want = Shape.of(bN, kN);
        if (!lambda0.shape().equals(want)) {
            throw new IllegalArgumentException("warm start lambda0 has shape " + lambda0.shape() + ", expected " + want);
        }
        for (int j = 0; j < lambda0.size(); j++) {
            double v = lambda0.data()[j];
            if (!(v >= 0) || !Double.isFinite(v)) {
                throw new IllegalArgumentException("warm start lambda0[" + j / kN + ", " + j % kN + "] = " + v
                        + " (must be finite and >= 0)");
            }
        }
        float[] eta = new float[bN];
        for (int b = 0; b < bN; b++) {
            eta[b] = (float) DualStepSize.of(problem.matrix(b), kN, dN);
        }
        Device dev = library.device();
        try (DeviceBuffer a = upload(dev, problem.aTensor().data());
             DeviceBuffer r = upload(dev, problem.rTensor().data());
             DeviceBuffer tl = upload(dev, problem.lowerTensor().data());
             DeviceBuffer tu = upload(dev, problem.upperTensor().data());
             DeviceBuffer e = upload(dev, eta);
             DeviceBuffer l0 = upload(dev, lambda0.data());
             DualDeviceOutputs out = DualDeviceOutputs.allocate(dev, bN, kN, dN)) {
            out.poison();
            launch(DualDeviceProblem.packed(bN, kN, dN, a, r, tl, tu, e), l0, out);
            dev.synchronize();
            return out.download();
        }
    }

    /**
     * Launches {@code dual_ascent_box} on data already on the device (asynchronous: synchronize the
     * device before reading {@code out}). Uses this solver's options and thread count.
     */
    public void launch(DualDeviceProblem p, DeviceBuffer lambda0, DualDeviceOutputs out) {
        Objects.requireNonNull(p, "problem");
        Objects.requireNonNull(lambda0, "lambda0");
        Objects.requireNonNull(out, "out");
        if (out.batch() != p.batch() || out.constraints() != p.constraints() || out.dim() != p.dim()) {
            throw new IllegalArgumentException("outputs are for B=" + out.batch() + ", K=" + out.constraints() + ", d="
                    + out.dim() + ", problem is B=" + p.batch() + ", K=" + p.constraints() + ", d=" + p.dim());
        }
        if (lambda0.bytes() < 4L * p.batch() * p.constraints()) {
            throw new IllegalArgumentException("lambda0 buffer holds fewer than B * K floats");
        }
        Kernel k = library.kernel(MODULE, KERNEL);
        int dynamicShared = Math.multiplyExact(4, Math.addExact(Math.multiplyExact(6, p.constraints()), 1));
        KernelArgs args = KernelArgs.of()
                .i32(p.batch()).i32(p.constraints()).i32(p.dim())
                .ptr(p.a()).i64(p.aBatchStride()).i64(p.aRowStride())
                .ptr(p.r()).ptr(p.lower()).ptr(p.upper()).i64(p.boxStride()).i32(p.boxGroup())
                .ptr(p.eta()).ptr(lambda0)
                .i32(options.maxIterations()).i32(options.checkEvery())
                .f32((float) (KERNEL_TOLERANCE_SHARE * options.gapTolerance()))
                .f32((float) (KERNEL_TOLERANCE_SHARE * options.feasibilityTolerance()))
                .ptr(out.lambda()).ptr(out.t()).ptr(out.dualValue()).ptr(out.iterations()).ptr(out.status());
        int block = threads == AUTO_THREADS ? threadsFor(p.dim()) : threads;
        // above 48 KiB (K > 2047 constraints) a GPU refuses the launch unless the kernel's limit is raised first
        Device.allowDynamicShared(library.device(), k, dynamicShared);
        library.device().launch(k, Dim3.of(p.batch()), Dim3.of(block), dynamicShared, args);
    }

    /**
     * Builds the float64 solutions of {@code problem} from the kernel's raw outputs (see the class
     * description). Fails if the kernel left an output unwritten (NaN, e.g. the poison) or wrote an
     * unknown status.
     */
    public DualSolutions solutions(DualProblem problem, DualKernelResult raw) {
        requireL2(problem);
        if (raw.batch() != problem.batch() || raw.constraints() != problem.constraints() || raw.dim() != problem.dim()) {
            throw new IllegalArgumentException("kernel result is for B=" + raw.batch() + ", K=" + raw.constraints()
                    + ", d=" + raw.dim() + ", problem is " + problem);
        }
        List<DualSolution> out = new ArrayList<>(problem.batch());
        for (int b = 0; b < problem.batch(); b++) {
            out.add(solution(problem, b, raw));
        }
        return new DualSolutions(out);
    }

    private DualSolution solution(DualProblem p, int b, DualKernelResult raw) {
        int k = p.constraints();
        int d = p.dim();
        int code = raw.status()[b];
        int iterations = raw.iterations()[b];
        double[] lambda = raw.lambda(b);
        for (int j = 0; j < k; j++) {
            if (!(lambda[j] >= 0) || !Double.isFinite(lambda[j])) {
                throw new DeviceException(KERNEL + ": problem " + b + ": lambda[" + j + "] = " + lambda[j]
                        + (Float.floatToRawIntBits(raw.lambda()[b * k + j]) == DeviceBuffer.POISON ? " (never written)" : ""));
            }
        }
        for (int i = 0; i < d; i++) {
            if (Float.isNaN(raw.t()[b * d + i])) {
                throw new DeviceException(KERNEL + ": problem " + b + ": t[" + i + "] is NaN"
                        + (Float.floatToRawIntBits(raw.t()[b * d + i]) == DeviceBuffer.POISON ? " (never written)" : ""));
            }
        }
        if (Float.isNaN(raw.dualValue()[b])) {
            throw new DeviceException(KERNEL + ": problem " + b + ": dual value is NaN");
        }
        if (iterations < 0 || iterations > options.maxIterations()) {
            throw new DeviceException(KERNEL + ": problem " + b + ": iteration count " + iterations + " outside [0, "
                    + options.maxIterations() + "]");
        }
        double[] a = p.matrix(b);
        double[] r = p.rhs(b);
        double[] tl = p.lowerBounds(b);
        double[] tu = p.upperBounds(b);
        if (code != STATUS_SOLVED && code != STATUS_INFEASIBLE_IN_BOX && code != STATUS_MAX_ITER) {
            throw new DeviceException(KERNEL + ": problem " + b + ": unknown status code " + code);
        }
        // Infeasibility by the one rule of DualResults, whatever the kernel's float32/float64 test said:
        // first the single rows (for K = 1 the exact test), then the direction of a diverging ascent.
        DualSolution none = DualResults.singleRowCertificate(Objective.L2, a, k, d, r, tl, tu, iterations);
        if (none != null) {
            return none;
        }
        if (code == STATUS_INFEASIBLE_IN_BOX) {
            // The kernel's row test fired but float64 does not confirm it beyond rounding (a knife edge):
            // the float64 reference solves this one problem, so that both solvers report the same.
            return new ReferenceDualSolver(options).solve(p.select(b), new Tensor(Shape.of(1, k), new double[k])).get(0);
        }
        if (code == STATUS_MAX_ITER && k > 1) {
            DualSolution diverged = DualResults.directionCertificate(a, k, d, r, tl, tu, lambda, iterations);
            if (diverged != null) {
                return diverged;
            }
        }
        return refined(code == STATUS_SOLVED ? DualStatus.SOLVED : DualStatus.MAX_ITER, a, k, d, r, tl, tu, lambda,
                iterations);
    }

    /**
     * The result at the kernel's {@code lambda}, or, when {@link DualSolverOptions#activeSetStep()} is on
     * and the float64 active-set step ({@link DualLinearAlgebra#activeSetStep}, at most {@code K}
     * rounds) from it certifies a smaller float64 gap with a feasible point, the result at the stepped
     * multipliers. The status asked for is kept (a kernel that ran out of iterations stays MAX_ITER;
     * SOLVED still needs the float64 confirmation).
     *
     * <p>Why: the float32 ascent stops when its float32 gap test passes, which pins {@code t} and
     * {@code G} to float32 accuracy but leaves {@code lambda} inaccurate along directions where
     * {@code A_F A_F^T} is ill-conditioned (nearly parallel rows: about {@code 2^-24 cond(A_F A_F^T)}
     * relative). Once the kernel has found the active set, one float64 solve removes that error; for
     * {@code K = 1} it is the exact root of the segment that contains {@code lambda}.
     */
    private DualSolution refined(DualStatus requested, double[] a, int k, int d, double[] r,
                                 double[] tl, double[] tu, double[] lambda, int iterations) {
        DualSolution plain = l2Result(requested, a, k, d, r, tl, tu, lambda, iterations);
        if (!options.activeSetStep()) {
            return plain;
        }
        double[] stepped = DualLinearAlgebra.activeSetStep(a, k, d, r, tl, tu, lambda, k);
        if (stepped.length != k) {
            return plain;
        }
        DualSolution better = l2Result(requested, a, k, d, r, tl, tu, stepped, iterations);
        boolean feasible = better.primalValue() < Double.POSITIVE_INFINITY;
        return feasible && Math.abs(better.relativeGap()) < Math.abs(plain.relativeGap()) ? better : plain;
    }

    /** {@link DualResults#l2Result} with this solver's options (an iterative solve: never exact). */
    private DualSolution l2Result(DualStatus requested, double[] a, int k, int d, double[] r, double[] tl, double[] tu,
                                  double[] lambda, int iterations) {
        return DualResults.l2Result(requested, a, k, d, r, tl, tu, lambda, iterations, options, false);
    }

    private static void requireL2(DualProblem p) {
        if (p.objective() != Objective.L2) {
            throw new IllegalArgumentException("GpuDualSolver solves the L2 objective only (kernel dual_ascent_box); "
                    + "problem has " + p.objective() + ": use ReferenceDualSolver");
        }
    }

    private static DeviceBuffer upload(Device dev, double[] values) {
        return upload(dev, toFloat32(values, "dual problem values"));
    }

    /**
     * {@code values} rounded to float32. A finite value beyond the float32 range (which would become
     * infinity and then NaN on the device) is an error naming {@code what} and the element.
     */
    static float[] toFloat32(double[] values, String what) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
            if (Float.isInfinite(f[i]) && Double.isFinite(values[i])) {
                throw new IllegalArgumentException(what + ": element " + i + " = " + values[i] + " overflows float32 "
                        + "(largest " + Float.MAX_VALUE + "); a float32 backend cannot compute with it (use --backend ejml)");
            }
        }
        return f;
    }

    private static DeviceBuffer upload(Device dev, float[] values) {
        DeviceBuffer b = dev.allocate(4L * Math.max(1, values.length));
        try {
            b.write(values);
            return b;
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
    }
}
