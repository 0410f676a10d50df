package org.lde.validation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Locale;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lde.device.DeviceBuffer;
import org.lde.device.KernelLibrary;
import org.lde.engine.gpu.DualKernelResult;
import org.lde.engine.gpu.GpuDualSolver;
import org.lde.engine.dual.Certificates;
import org.lde.engine.dual.DualAgreement;
import org.lde.engine.dual.DualProblem;
import org.lde.engine.dual.DualSolution;
import org.lde.engine.dual.DualSolutions;
import org.lde.engine.dual.DualSolverOptions;
import org.lde.engine.dual.DualStatus;
import org.lde.engine.dual.ReferenceDualSolver;
import org.lde.tensor.Rng;
import org.lde.tensor.Shape;
import org.lde.tensor.Tensor;

/**
 * kernels/dual.cu ({@code dual_ascent_box}, through {@link GpuDualSolver}) against the float64
 * {@link ReferenceDualSolver} on every device (METHOD.md section 10: {@code lambda}, {@code t},
 * {@code G} within {@code 1e-4} relative; NaN or Inf never passes). Every launch solves a batch of
 * several problems; the outputs are poisoned before it ({@link GpuDualSolver#runKernel} fills them
 * with {@link DeviceBuffer#POISON}), so an unwritten element fails. Dimensions are not multiples of
 * 32; problems come with and without binding boxes.
 *
 * <p>Checked per problem: the kernel's raw float32 {@code lambda}, {@code t} and {@code G}; the float64
 * {@link DualSolution} built from them ({@link DualAgreement}); weak duality {@code G(lambda) <= p*}
 * for the kernel's {@code lambda}. Also: INFEASIBLE_IN_BOX, MAX_ITER at a tiny limit, warm starts,
 * strided rows and shared boxes, block sizes, and the {@code K > 16} path.
 */
class DualKernelSuite extends AbstractKernelSuite {

    /** Relative tolerance of METHOD.md section 10 for dual quantities. */
    static final double DUAL_TOL = 1e-4;

    static final ReferenceDualSolver REFERENCE = new ReferenceDualSolver();

    /** {@link GpuDualSolver#float32Defaults()} without the host's float64 active-set step: the kernel's lambda alone. */
    static final DualSolverOptions KERNEL_ONLY = DualSolverOptions.builder().maxIterations(5000).gapTolerance(1e-5)
            .feasibilityTolerance(1e-5).checkEvery(10).activeSetStep(false).build();

    /** A box kind for the generator. */
    enum Box {
        NONE, DATA, UNIT
    }

    /**
     * A random batch: rows uniform in [-1, 1) (float-representable); the box {@code NONE} (no box),
     * {@code DATA} ({@code [-x, 1 - x]} for a random image x, the additive model) or {@code UNIT}
     * ({@code [0, 1]}, the deletion model); right-hand sides made from a box point far out along a
     * random direction ({@code t_s}, so that the optimum presses against the box): {@code r_k = a_k^T t_s
     * - |a_k^T t_s| / 2 * f} rounded to float, which {@code t_s} satisfies (so the problem is feasible).
     */
    static DualProblem randomProblem(Rng rng, int batch, int k, int d, Box box, double reach) {
        double[] a = new double[batch * k * d];
        double[] r = new double[batch * k];
        double[] tl = new double[batch * d];
        double[] tu = new double[batch * d];
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < k * d; j++) {
                a[b * k * d + j] = (float) rng.uniform(-1, 1);
            }
            double[] u = new double[d];
            for (int i = 0; i < d; i++) {
                double lo;
                double hi;
                switch (box) {
                    case DATA: {
                        double x = (float) rng.uniform();
                        lo = -x;
                        hi = (float) (1 - x);
                        break;
                    }
                    case UNIT:
                        lo = 0;
                        hi = 1;
                        break;
                    case NONE:
                    default:
                        lo = Double.NEGATIVE_INFINITY;
                        hi = Double.POSITIVE_INFINITY;
                        break;
                }
                tl[b * d + i] = lo;
                tu[b * d + i] = hi;
                double dir = rng.gaussian();
                for (int j = 0; j < k; j++) {
                    dir += 0.5 * a[(b * k + j) * d + i];   // lean toward the rows so that r > 0 mostly
                }
                u[i] = Math.min(Math.max(reach * dir, lo), hi);
            }
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    s += a[(b * k + j) * d + i] * u[i];
                }
                double rr = s - 0.5 * Math.abs(s);
                r[b * k + j] = (float) (rr - 1e-6 * Math.abs(rr));
            }
        }
        return DualProblem.builder(new Tensor(Shape.of(batch, k, d), a), new Tensor(Shape.of(batch, k), r))
                .box(new Tensor(Shape.of(batch, d), tl), new Tensor(Shape.of(batch, d), tu)).build();
    }

    /** Relative error {@code ||x - ref|| / ||ref||} (absolute when ref = 0); +inf for non-finite x. */
    static double rel(double[] x, double[] ref) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < x.length; i++) {
            if (!Double.isFinite(x[i])) {
                return Double.POSITIVE_INFINITY;
            }
            num += (x[i] - ref[i]) * (x[i] - ref[i]);
            den += ref[i] * ref[i];
        }
        return den == 0 ? Math.sqrt(num) : Math.sqrt(num / den);
    }

    /** What one batch gave: the reference, the raw kernel outputs and the float64 solutions. */
    record Run(DualProblem problem, DualSolutions ref, DualKernelResult raw, DualSolutions gpu) {
    }

    static Run run(GpuDualSolver solver, DualProblem p, Tensor lambda0) {
        DualSolutions ref = REFERENCE.solve(p);
        DualKernelResult raw = solver.runKernel(p, lambda0);
        DualSolutions gpu = solver.solutions(p, raw);
        return new Run(p, ref, raw, gpu);
    }

    static Run run(GpuDualSolver solver, DualProblem p) {
        return run(solver, p, Tensor.zeros(p.batch(), p.constraints()));
    }

    /**
     * Asserts agreement with the reference for every problem of a batch that the reference solved:
     * status SOLVED, the raw float32 {@code t}, {@code G} and {@code lambda} and the float64
     * solution within {@link #DUAL_TOL}; weak duality for the kernel's lambda. Returns the worst errors
     * {raw t, raw G, raw lambda, float64 t, float64 G, float64 lambda}.
     */
    static double[] assertAgrees(String what, Run run) {
        return assertAgrees(what, run, true);
    }

    /**
     * As {@link #assertAgrees(String, Run)}; {@code rawLambda = false} leaves the kernel's raw float32
     * lambda unchecked (ill-conditioned active rows, where float32 pins t and G but not lambda; the
     * float64 solution's lambda is still checked).
     */
    static double[] assertAgrees(String what, Run run, boolean rawLambda) {
        double[] worst = new double[6];
        for (int b = 0; b < run.problem().batch(); b++) {
            DualSolution ref = run.ref().get(b);
            DualSolution gpu = run.gpu().get(b);
            String at = what + ", problem " + b;
            assertEquals(DualStatus.SOLVED, ref.status(), at + ": the reference did not solve it (generator)");
            assertEquals(DualStatus.SOLVED, gpu.status(), at + ": " + gpu + " after " + run.raw().iterations()[b]
                    + " iterations, kernel status " + run.raw().status()[b]);
            double tErr = rel(run.raw().t(b), ref.t());
            double gErr = rel(new double[] {run.raw().dualValue()[b]}, new double[] {ref.dualValue()});
            double lErr = rel(run.raw().lambda(b), ref.lambda());
            DualAgreement ag = DualAgreement.of(ref, gpu);
            String figures = String.format(Locale.ROOT, "%s: raw t %.2e, raw G %.2e, raw lambda %.2e; float64 %s; "
                    + "lambda %s vs reference %s, %d iterations", at, tErr, gErr, lErr, ag,
                    Arrays.toString(gpu.lambda()), Arrays.toString(ref.lambda()), gpu.iterations());
            assertTrue(tErr <= DUAL_TOL && gErr <= DUAL_TOL && (!rawLambda || lErr <= DUAL_TOL), figures);
            assertTrue(ag.passes(DUAL_TOL), figures);
            // weak duality: the float64 dual value at the kernel's own lambda (and at the reported one) is
            // below the reference optimum (p* up to the reference's feasibility tolerance 1e-9)
            double pStar = ref.primalValue();
            double gKernel = Certificates.weakDualityBound(run.problem(), b, run.raw().lambda(b));
            assertTrue(gKernel <= pStar + 1e-8 * Math.abs(pStar), at + ": weak duality G(kernel lambda) = " + gKernel
                    + " > p* = " + pStar);
            assertTrue(gpu.dualValue() <= pStar + 1e-8 * Math.abs(pStar), at + ": weak duality G(lambda) = "
                    + gpu.dualValue() + " > p* = " + pStar);
            double[] now = {tErr, gErr, lErr, ag.tError(), ag.dualValueError(), ag.lambdaError()};
            for (int j = 0; j < worst.length; j++) {
                worst[j] = Math.max(worst[j], now[j]);
            }
        }
        return worst;
    }

    static void report(String what, double[] worst, Run run) {
        int maxIt = Arrays.stream(run.raw().iterations()).max().orElse(0);
        int atBound = 0;
        int all = 0;
        for (int b = 0; b < run.problem().batch(); b++) {
            double[] t = run.ref().get(b).t();
            for (int i = 0; i < t.length; i++) {
                all++;
                if (t[i] == run.problem().lower(b, i) || t[i] == run.problem().upper(b, i)) {
                    atBound++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "DualKernelSuite %s: worst relative error, raw float32: t %.2e, G %.2e, lambda %.2e;"
                + " float64 solution: t %.2e, G %.2e, lambda %.2e; iterations <= %d; %.0f%% of t* at a bound%n", what,
                worst[0], worst[1], worst[2], worst[3], worst[4], worst[5], maxIt, 100.0 * atBound / all);
    }

    /** The two ways the float64 solutions are built: with the host's active-set step, and from the kernel's lambda alone. */
    static final DualSolverOptions[] MODES = {GpuDualSolver.float32Defaults(), KERNEL_ONLY};

    static String mode(DualSolverOptions options) {
        return options.activeSetStep() ? "" : " (kernel lambda only, no float64 step)";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void oneConstraintBatchesMatchTheExactReference(String device) {
        for (DualSolverOptions options : MODES) {
            GpuDualSolver solver = new GpuDualSolver(library(device), options);
            Rng rng = new Rng(301);
            for (int d : new int[] {1, 37, 200}) {
                for (Box box : Box.values()) {
                    Run run = run(solver, randomProblem(rng, 6, 1, d, box, 3));
                    String what = "K=1 d=" + d + " box=" + box + " on " + device + mode(options);
                    report(what, assertAgrees(what, run), run);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void multiConstraintBatchesMatchTheReference(String device) {
        for (DualSolverOptions options : MODES) {
            GpuDualSolver solver = new GpuDualSolver(library(device), options);
            Rng rng = new Rng(302);
            for (int[] s : new int[][] {{2, 45}, {3, 97}, {4, 150}, {5, 63}, {6, 200}}) {
                for (Box box : Box.values()) {
                    Run run = run(solver, randomProblem(rng, 4, s[0], s[1], box, 3));
                    String what = "K=" + s[0] + " d=" + s[1] + " box=" + box + " on " + device + mode(options);
                    report(what, assertAgrees(what, run), run);
                }
            }
        }
    }

    /**
     * Rows that share a large common part, as the target rows {@code g_cj = J_c - J_j} share {@code J_c}:
     * {@code a_k = 0.9 c + 0.1 n_k}. {@code A_F A_F^T} is then ill-conditioned, and float32 ascent pins t
     * and G but leaves lambda off by about {@code 2^-24 cond} along the flat directions; the float64
     * active-set step of {@link GpuDualSolver} restores it. The raw t and G, and the float64 solution
     * (lambda included), must agree.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void correlatedRowsAgreeAfterTheFloat64ActiveSetStep(String device) {
        GpuDualSolver solver = new GpuDualSolver(library(device));
        Rng rng = new Rng(309);
        for (int[] s : new int[][] {{4, 75}, {9, 121}}) {
            DualProblem p0 = randomProblem(rng, 4, s[0], s[1], Box.DATA, 5);
            double[] a = p0.aTensor().data();
            int d = s[1];
            for (int b = 0; b < 4; b++) {
                double[] common = new double[d];
                for (int i = 0; i < d; i++) {
                    common[i] = rng.uniform(-1, 1);
                }
                for (int j = 0; j < s[0]; j++) {
                    for (int i = 0; i < d; i++) {
                        int at = (b * s[0] + j) * d + i;
                        a[at] = (float) (0.9 * common[i] + 0.1 * a[at]);
                    }
                }
            }
            // r from a box point along the common direction, so that several rows are active
            double[] r = new double[4 * s[0]];
            for (int b = 0; b < 4; b++) {
                double[] u = new double[d];
                for (int i = 0; i < d; i++) {
                    double c = 0;
                    for (int j = 0; j < s[0]; j++) {
                        c += a[(b * s[0] + j) * d + i];
                    }
                    u[i] = Math.min(Math.max(5 * c / s[0] + 0.3 * rng.gaussian(), p0.lower(b, i)), p0.upper(b, i));
                }
                for (int j = 0; j < s[0]; j++) {
                    double v = 0;
                    for (int i = 0; i < d; i++) {
                        v += a[(b * s[0] + j) * d + i] * u[i];
                    }
                    r[b * s[0] + j] = (float) (v - 0.3 * Math.abs(v) * rng.uniform());
                }
            }
            DualProblem p = DualProblem.builder(new Tensor(Shape.of(4, s[0], d), a), new Tensor(Shape.of(4, s[0]), r))
                    .box(p0.lowerTensor(), p0.upperTensor()).build();
            Run run = run(solver, p);
            String what = "correlated rows K=" + s[0] + " d=" + d + " on " + device;
            double[] worst = assertAgrees(what, run, false);
            int active = 0;
            for (int b = 0; b < 4; b++) {
                for (double l : run.ref().get(b).lambda()) {
                    active += l > 0 ? 1 : 0;
                }
            }
            report(what + " (" + active + " active rows in 4 problems)", worst, run);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void moreThanSixteenConstraintsUseTheChunkedPath(String device) {
        GpuDualSolver solver = new GpuDualSolver(library(device));
        Rng rng = new Rng(303);
        for (Box box : new Box[] {Box.NONE, Box.DATA}) {
            Run run = run(solver, randomProblem(rng, 2, 18, 41, box, 3));
            String what = "K=18 d=41 box=" + box + " on " + device;
            report(what, assertAgrees(what, run), run);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void infeasibleProblemsReportInfeasibleInBox(String device) {
        GpuDualSolver solver = new GpuDualSolver(library(device));
        Rng rng = new Rng(304);
        // K = 1: r just above the reach sum_i max(a_i tl_i, a_i tu_i) in problems 0 and 2, feasible in 1
        int d = 53;
        DualProblem base = randomProblem(rng, 3, 1, d, Box.DATA, 3);
        double[] r = base.rTensor().data();
        for (int b : new int[] {0, 2}) {
            double reach = 0;
            for (int i = 0; i < d; i++) {
                double a = base.a(b, 0, i);
                reach += Math.max(a * base.lower(b, i), a * base.upper(b, i));
            }
            r[b] = Math.nextUp((float) (reach * (b == 0 ? 1.0001 : 1.5)));
        }
        DualProblem p = DualProblem.builder(base.aTensor(), new Tensor(Shape.of(3, 1), r))
                .box(base.lowerTensor(), base.upperTensor()).build();
        Run run = run(solver, p);
        for (int b : new int[] {0, 2}) {
            DualSolution ref = run.ref().get(b);
            DualSolution gpu = run.gpu().get(b);
            assertEquals(DualStatus.INFEASIBLE_IN_BOX, ref.status(), "reference, problem " + b);
            assertEquals(GpuDualSolver.STATUS_INFEASIBLE_IN_BOX, run.raw().status()[b], "kernel status, problem " + b);
            assertEquals(DualStatus.INFEASIBLE_IN_BOX, gpu.status(), "problem " + b);
            assertEquals(Float.POSITIVE_INFINITY, run.raw().dualValue()[b], "kernel G of an unbounded dual");
            assertEquals(1f, run.raw().lambda()[b], "certificate mu = 1");
            assertTrue(gpu.infeasibilityMargin() > 0, "margin " + gpu.infeasibilityMargin());
            assertEquals(ref.infeasibilityMargin(), gpu.infeasibilityMargin(), 1e-9 * Math.abs(ref.infeasibilityMargin()));
            assertTrue(Arrays.equals(ref.t(), run.raw().t(b)), "t = the box point that maximizes a^T t, problem " + b);
            assertEquals(Double.POSITIVE_INFINITY, gpu.dualValue());
            assertEquals(0, gpu.iterations());
        }
        assertEquals(DualStatus.SOLVED, run.gpu().get(1).status(), "the feasible problem between them");
        // K = 3 with one infeasible row (row 1 of problem 1): certificate mu = e_1
        DualProblem q = randomProblem(rng, 2, 3, 29, Box.UNIT, 3);
        double[] rq = q.rTensor().data();
        rq[1 * 3 + 1] = 30;   // 29 coordinates in [0, 1] with |a| < 1 cannot reach 30
        DualProblem q2 = DualProblem.builder(q.aTensor(), new Tensor(Shape.of(2, 3), rq)).box(q.lowerTensor(), q.upperTensor()).build();
        Run run2 = run(solver, q2);
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, run2.ref().get(1).status());
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, run2.gpu().get(1).status(), run2.gpu().get(1).toString());
        assertTrue(Arrays.equals(new double[] {0, 1, 0}, run2.gpu().get(1).lambda()), Arrays.toString(run2.gpu().get(1).lambda()));
        assertEquals(DualStatus.SOLVED, run2.gpu().get(0).status());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void aTinyIterationLimitGivesMaxIterAndACertifiedLowerBound(String device) {
        DualSolverOptions tiny = DualSolverOptions.builder().maxIterations(2).gapTolerance(1e-6).feasibilityTolerance(1e-6)
                .checkEvery(10).build();
        GpuDualSolver solver = new GpuDualSolver(library(device), tiny);
        Rng rng = new Rng(305);
        Run run = run(solver, randomProblem(rng, 4, 4, 77, Box.UNIT, 3));
        for (int b = 0; b < 4; b++) {
            DualSolution gpu = run.gpu().get(b);
            DualSolution ref = run.ref().get(b);
            assertEquals(GpuDualSolver.STATUS_MAX_ITER, run.raw().status()[b], "kernel status, problem " + b);
            assertEquals(DualStatus.MAX_ITER, gpu.status(), "problem " + b);
            assertEquals(2, gpu.iterations());
            for (float v : run.raw().t()) {
                assertTrue(Float.isFinite(v), "t written even without convergence");
            }
            assertTrue(Float.isFinite(run.raw().dualValue()[b]));
            // weak duality holds for any lambda >= 0: an early stop still certifies a lower bound
            double gKernel = Certificates.weakDualityBound(run.problem(), b, run.raw().lambda(b));
            assertTrue(gKernel <= ref.primalValue(), "G(kernel lambda) = " + gKernel + " > p* = " + ref.primalValue());
            assertTrue(gpu.dualValue() <= ref.primalValue(), "G(lambda) = " + gpu.dualValue() + " > p* = " + ref.primalValue());
            assertTrue(gKernel < ref.dualValue(), "after 2 iterations the bound is not yet the optimum");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void warmStartsNeedFewerIterations(String device) {
        // a check after every iteration, so that the counts are exact
        GpuDualSolver solver = new GpuDualSolver(library(device), DualSolverOptions.builder().maxIterations(5000)
                .gapTolerance(1e-5).feasibilityTolerance(1e-5).checkEvery(1).build());
        Rng rng = new Rng(306);
        DualProblem p = randomProblem(rng, 4, 3, 120, Box.UNIT, 3);
        Run cold = run(solver, p);
        assertAgrees("cold start", cold);
        double[] near = cold.ref().lambda().data().clone();
        for (int j = 0; j < near.length; j++) {
            near[j] *= 1 + 0.02 * (j % 2 == 0 ? 1 : -1);
        }
        Run warm = run(solver, p, new Tensor(Shape.of(4, 3), near));
        assertAgrees("warm start (reference lambda +- 2%)", warm);
        Run exact = run(solver, p, cold.ref().lambda());
        assertAgrees("warm start at the reference lambda", exact);
        int sumCold = Arrays.stream(cold.raw().iterations()).sum();
        int sumWarm = Arrays.stream(warm.raw().iterations()).sum();
        int sumExact = Arrays.stream(exact.raw().iterations()).sum();
        System.out.printf(Locale.ROOT, "DualKernelSuite warm start on %s: iterations cold %s, lambda* +- 2%% %s, lambda* %s%n", device,
                Arrays.toString(cold.raw().iterations()), Arrays.toString(warm.raw().iterations()),
                Arrays.toString(exact.raw().iterations()));
        assertTrue(sumWarm < sumCold, "warm " + sumWarm + " vs cold " + sumCold);
        assertTrue(sumExact <= sumWarm, "at lambda* " + sumExact + " vs near " + sumWarm);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void zeroIsOptimalWhenTheClippedOriginIsFeasible(String device) {
        GpuDualSolver solver = new GpuDualSolver(library(device));
        // r <= 0 with 0 in the box: lambda* = 0, t* = 0; and box [2, 3] with a = 1, r = 1: lambda* = 0, t* = 2
        double[] a = new double[2 * 2 * 33];
        Rng rng = new Rng(307);
        for (int j = 0; j < a.length; j++) {
            a[j] = (float) rng.uniform(-1, 1);
        }
        double[] tl = new double[2 * 33];
        double[] tu = new double[2 * 33];
        Arrays.fill(tl, -1);
        Arrays.fill(tu, 1);
        for (int i = 0; i < 33; i++) {
            tl[33 + i] = 2;
            tu[33 + i] = 3;
            a[2 * 33 + i] = 1;
            a[3 * 33 + i] = 0.5;
        }
        DualProblem p = DualProblem.builder(new Tensor(Shape.of(2, 2, 33), a), Tensor.of(Shape.of(2, 2), -0.5, -1, 1, 2))
                .box(new Tensor(Shape.of(2, 33), tl), new Tensor(Shape.of(2, 33), tu)).build();
        Run run = run(solver, p);
        assertAgrees("lambda* = 0", run);
        for (int b = 0; b < 2; b++) {
            assertEquals(0, run.raw().iterations()[b], "solved at the check of lambda0 = 0");
            assertTrue(Arrays.equals(new double[2], run.gpu().get(b).lambda()));
        }
    }

    /**
     * The device-resident entry point: rows inside a larger buffer (row stride d + 3, batch stride
     * K (d + 3) + 5, the gaps filled with NaN that must never be read), one box shared by each group of
     * K problems (as the flip problems of one sample share theirs), and eta = 0, which makes the kernel
     * use its own step 1/||A||_F^2. Run at 32, 64 and 256 threads per block.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void stridedRowsSharedBoxesAndTheKernelsOwnStep(String device) {
        KernelLibrary lib = library(device);
        Rng rng = new Rng(308);
        int k = 3;
        int d = 70;
        int groups = 2;
        int batch = groups * k;
        // reference problems: problem b uses box b / k
        DualProblem packed = randomProblem(rng, batch, k, d, Box.DATA, 3);
        double[] tl = packed.lowerTensor().data();
        double[] tu = packed.upperTensor().data();
        for (int b = 0; b < batch; b++) {
            int g = (b / k) * k;   // copy the group's first box
            System.arraycopy(tl, g * d, tl, b * d, d);
            System.arraycopy(tu, g * d, tu, b * d, d);
        }
        // right-hand sides feasible for the shared box: recompute from the clipped direction 3 (a_1 + a_2 + a_3)
        double[] r = packed.rTensor().data();
        for (int b = 0; b < batch; b++) {
            double[] u = new double[d];
            for (int i = 0; i < d; i++) {
                double s = 0;
                for (int j = 0; j < k; j++) {
                    s += packed.a(b, j, i);
                }
                u[i] = Math.min(Math.max(3 * s, tl[b * d + i]), tu[b * d + i]);
            }
            for (int j = 0; j < k; j++) {
                double s = 0;
                for (int i = 0; i < d; i++) {
                    s += packed.a(b, j, i) * u[i];
                }
                r[b * k + j] = (float) (s - 0.5 * Math.abs(s) - 1e-6 * Math.abs(s));
            }
        }
        DualProblem p = DualProblem.builder(packed.aTensor(), new Tensor(Shape.of(batch, k), r))
                .box(new Tensor(Shape.of(batch, d), tl), new Tensor(Shape.of(batch, d), tu)).build();
        DualSolutions ref = REFERENCE.solve(p);

        long rowStride = d + 3;
        long batchStride = k * rowStride + 5;
        float[] aBuf = new float[(int) (batchStride * batch)];
        Arrays.fill(aBuf, Float.NaN);
        for (int b = 0; b < batch; b++) {
            for (int j = 0; j < k; j++) {
                for (int i = 0; i < d; i++) {
                    aBuf[(int) (b * batchStride + j * rowStride + i)] = (float) p.a(b, j, i);
                }
            }
        }
        int boxStride = d + 1;
        float[] tlBuf = new float[groups * boxStride];
        float[] tuBuf = new float[groups * boxStride];
        Arrays.fill(tlBuf, Float.NaN);
        Arrays.fill(tuBuf, Float.NaN);
        for (int g = 0; g < groups; g++) {
            for (int i = 0; i < d; i++) {
                tlBuf[g * boxStride + i] = (float) tl[g * k * d + i];
                tuBuf[g * boxStride + i] = (float) tu[g * k * d + i];
            }
        }
        float[] rBuf = new float[batch * k];
        for (int j = 0; j < rBuf.length; j++) {
            rBuf[j] = (float) r[j];
        }
        for (int threads : new int[] {32, 64, 256}) {
            GpuDualSolver solver = new GpuDualSolver(lib, GpuDualSolver.float32Defaults(), threads);
            org.lde.device.Device dev = lib.device();
            try (DeviceBuffer a = upload(dev, aBuf, aBuf.length); DeviceBuffer rb = upload(dev, rBuf, rBuf.length);
                 DeviceBuffer lo = upload(dev, tlBuf, tlBuf.length); DeviceBuffer hi = upload(dev, tuBuf, tuBuf.length);
                 DeviceBuffer eta = upload(dev, new float[batch], batch);
                 DeviceBuffer l0 = upload(dev, new float[batch * k], batch * k);
                 org.lde.engine.gpu.DualDeviceOutputs out = org.lde.engine.gpu.DualDeviceOutputs.allocate(dev, batch, k, d)) {
                out.poison();
                solver.launch(new org.lde.engine.gpu.DualDeviceProblem(batch, k, d, a, batchStride, rowStride, rb, lo, hi,
                        boxStride, k, eta), l0, out);
                dev.synchronize();
                DualKernelResult raw = out.download();
                Run run = new Run(p, ref, raw, solver.solutions(p, raw));
                String what = "strided rows, shared boxes, eta = 0, " + threads + " threads on " + device;
                report(what, assertAgrees(what, run), run);
            }
        }
    }

    /** The float64 builder refuses outputs the kernel never wrote (still the poison), naming them. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void unwrittenOutputsAreDetected(String device) {
        KernelLibrary lib = library(device);
        GpuDualSolver solver = new GpuDualSolver(lib);
        DualProblem p = randomProblem(new Rng(310), 2, 2, 33, Box.DATA, 3);
        try (org.lde.engine.gpu.DualDeviceOutputs out = org.lde.engine.gpu.DualDeviceOutputs.allocate(lib.device(), 2, 2, 33)) {
            out.poison();   // no launch: every output still holds the poison
            DualKernelResult raw = out.download();
            org.lde.device.DeviceException e = org.junit.jupiter.api.Assertions.assertThrows(
                    org.lde.device.DeviceException.class, () -> solver.solutions(p, raw));
            assertTrue(e.getMessage().contains("never written"), e.getMessage());
        }
    }

    /**
     * Infeasible only through a combination of rows: {@code a^T t >= 1} and {@code -a^T t >= 1} with no
     * box. No single row is infeasible, so the kernel ascends (symmetrically: both multipliers grow
     * alike) until its limit; the host then certifies {@code mu = lambda / ||lambda||_1 = (1/2, 1/2)}
     * ({@code A^T mu = 0}, {@code mu^T r = 1 > 0}) in float64.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void aDivergingAscentIsCertifiedInfeasibleOnTheHost(String device) {
        DualSolverOptions opts = DualSolverOptions.builder().maxIterations(30).gapTolerance(1e-5).feasibilityTolerance(1e-5)
                .checkEvery(10).build();
        GpuDualSolver solver = new GpuDualSolver(library(device), opts);
        int d = 35;
        double[] a = new double[2 * d];
        Rng rng = new Rng(311);
        for (int i = 0; i < d; i++) {
            a[i] = (float) rng.uniform(-1, 1);
            a[d + i] = -a[i];
        }
        DualProblem p = DualProblem.builder(new Tensor(Shape.of(1, 2, d), a), Tensor.of(Shape.of(1, 2), 1, 1)).build();
        DualKernelResult raw = solver.runKernel(p, Tensor.zeros(1, 2));
        assertEquals(GpuDualSolver.STATUS_MAX_ITER, raw.status()[0]);
        DualSolution s = solver.solutions(p, raw).get(0);
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, s.status(), s.toString());
        assertTrue(Arrays.equals(new double[] {0.5, 0.5}, s.lambda()), Arrays.toString(s.lambda()));
        assertEquals(DualStatus.INFEASIBLE_IN_BOX, REFERENCE.solve(p).get(0).status());
    }

    /**
     * Random shapes (K in 1..9, d in 1..200, B in 2..8, any box kind, rows independent or sharing 50% or
     * 90% of their direction) from the seed {@code -Dlde.dualSeed} (default 312; the seed is printed).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void freshRandomShapesMatch(String device) {
        long seed = Long.getLong("lde.dualSeed", 312L);
        GpuDualSolver solver = new GpuDualSolver(library(device));
        Rng rng = new Rng(seed);
        for (int n = 0; n < 6; n++) {
            int k = 1 + rng.nextInt(9);
            int d = 1 + rng.nextInt(200);
            int batch = 2 + rng.nextInt(7);
            Box box = Box.values()[rng.nextInt(3)];
            double share = new double[] {0, 0.5, 0.9}[rng.nextInt(3)];
            DualProblem p0 = randomProblem(rng, batch, k, d, box, 3);
            DualProblem p = p0;
            if (share > 0 && k > 1) {
                double[] a = p0.aTensor().data();
                for (int b = 0; b < batch; b++) {
                    double[] common = new double[d];
                    for (int i = 0; i < d; i++) {
                        common[i] = rng.uniform(-1, 1);
                    }
                    for (int j = 0; j < k; j++) {
                        for (int i = 0; i < d; i++) {
                            int at = (b * k + j) * d + i;
                            a[at] = (float) (share * common[i] + (1 - share) * a[at]);
                        }
                    }
                }
                // new rows: rebuild r from a clipped box point along their mean, so that the problems stay feasible
                double[] r = new double[batch * k];
                for (int b = 0; b < batch; b++) {
                    double[] u = new double[d];
                    for (int i = 0; i < d; i++) {
                        double c = 0;
                        for (int j = 0; j < k; j++) {
                            c += a[(b * k + j) * d + i];
                        }
                        u[i] = Math.min(Math.max(3 * c / k + rng.gaussian(), p0.lower(b, i)), p0.upper(b, i));
                    }
                    for (int j = 0; j < k; j++) {
                        double v = 0;
                        for (int i = 0; i < d; i++) {
                            v += a[(b * k + j) * d + i] * u[i];
                        }
                        r[b * k + j] = (float) (v - 0.5 * Math.abs(v) - 1e-6 * Math.abs(v));
                    }
                }
                p = DualProblem.builder(new Tensor(Shape.of(batch, k, d), a), new Tensor(Shape.of(batch, k), r))
                        .box(p0.lowerTensor(), p0.upperTensor()).build();
            }
            Run run = run(solver, p);
            String what = String.format(Locale.ROOT, "seed %d #%d: B=%d K=%d d=%d box=%s shared %.0f%% on %s", seed, n, batch, k, d,
                    box, 100 * share, device);
            report(what, assertAgrees(what, run, share < 0.9), run);
        }
    }
}
