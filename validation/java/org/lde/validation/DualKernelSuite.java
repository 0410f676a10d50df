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
import org.lde.explain.DualAgreement;
import org.lde.explain.DualProblem;
import org.lde.explain.DualSolution;
import org.lde.explain.DualSolutions;
import org.lde.explain.DualSolverOptions;
import org.lde.explain.DualStatus;
import org.lde.explain.ReferenceDualSolver;
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
     * solution within {@link #DUAL_TOL}; weak duality for the kernel's lambda. Returns the worst errors.
     */
    static double[] assertAgrees(String what, Run run) {
        double worstT = 0;
        double worstG = 0;
        double worstL = 0;
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
            assertTrue(tErr <= DUAL_TOL && gErr <= DUAL_TOL && lErr <= DUAL_TOL, figures);
            assertTrue(ag.passes(DUAL_TOL), figures);
            // weak duality: the float64 dual value at the kernel's lambda is below the reference optimum
            double pStar = ref.primalValue();
            assertTrue(gpu.dualValue() <= pStar + 1e-8 * Math.abs(pStar), at + ": weak duality G(lambda) = "
                    + gpu.dualValue() + " > p* = " + pStar);
            worstT = Math.max(worstT, Math.max(tErr, ag.tError()));
            worstG = Math.max(worstG, Math.max(gErr, ag.dualValueError()));
            worstL = Math.max(worstL, Math.max(lErr, ag.lambdaError()));
        }
        return new double[] {worstT, worstG, worstL};
    }

    static void report(String what, double[] worst, Run run) {
        int maxIt = Arrays.stream(run.raw().iterations()).max().orElse(0);
        System.out.printf(Locale.ROOT, "DualKernelSuite %s: worst relative error t %.2e, G %.2e, lambda %.2e; iterations <= %d%n",
                what, worst[0], worst[1], worst[2], maxIt);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void oneConstraintBatchesMatchTheExactReference(String device) {
        GpuDualSolver solver = new GpuDualSolver(library(device));
        Rng rng = new Rng(301);
        int[] dims = {1, 37, 200};
        for (int d : dims) {
            for (Box box : Box.values()) {
                Run run = run(solver, randomProblem(rng, 6, 1, d, box, 3));
                String what = "K=1 d=" + d + " box=" + box + " on " + device;
                report(what, assertAgrees(what, run), run);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void multiConstraintBatchesMatchTheReference(String device) {
        GpuDualSolver solver = new GpuDualSolver(library(device));
        Rng rng = new Rng(302);
        int[][] shapes = {{2, 45}, {3, 97}, {4, 150}, {5, 63}, {6, 200}};
        for (int[] s : shapes) {
            for (Box box : Box.values()) {
                Run run = run(solver, randomProblem(rng, 4, s[0], s[1], box, 3));
                String what = "K=" + s[0] + " d=" + s[1] + " box=" + box + " on " + device;
                report(what, assertAgrees(what, run), run);
            }
        }
    }
}
