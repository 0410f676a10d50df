package org.lde.engine.dual;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The float64 reference solver of METHOD.md sections 2-4: one call solves all {@code B}
 * problems of a {@link DualProblem} and returns one {@link DualSolution} each.
 *
 * <h2>Prior art (METHOD.md section 8)</h2>
 * The single linearized L2 problem with a box ({@code K = 1}) is exactly what DeepFool (no box:
 * {@code t = r a / ||a||^2}) and FAB (box, by sorting breakpoints) already solve; without binding
 * box constraints the resulting ranking equals gradient saliency. Nothing in this step is
 * novel; it is the float64 truth that the GPU dual ascent is checked against. Accelerated
 * projected gradient ascent (Nesterov 1983; FISTA, Beck and Teboulle 2009, with the adaptive
 * restart of O'Donoghue and Candes 2015) and the final active-set step are textbook methods.
 *
 * <h2>L2, K = 1: the exact root</h2>
 * {@code phi(lambda) = a^T clip(lambda a, tl, tu) - r} is continuous, nondecreasing and piecewise
 * linear in {@code lambda >= 0}: coordinate {@code i} contributes the constant {@code a_i tl_i}
 * or {@code a_i tu_i} outside the interval between its breakpoints {@code tl_i/a_i},
 * {@code tu_i/a_i} and slope {@code a_i^2} inside. Coordinates with {@code a_i = 0} contribute 0
 * and keep {@code t_i = clip(0, tl_i, tu_i)}; an infinite bound gives an infinite breakpoint; a
 * zero-width box gives two equal breakpoints (a segment of length 0). The solver:
 * <ol>
 *   <li>computes {@code t0 = clip(0, tl, tu)}. If {@code phi(0) = a^T t0 - r >= 0}, then
 *       {@code lambda* = 0} and {@code t* = t0}. The test is {@code phi(0) >= 0}, not
 *       {@code r <= 0}: when the box excludes 0 (some {@code tl_i > 0} or {@code tu_i < 0}) the
 *       cheapest box point {@code t0} is not 0, costs {@code 1/2||t0||^2 > 0} even without the
 *       constraint, and may satisfy or violate it whatever the sign of {@code r}. Examples:
 *       {@code a = (1), r = 1, box [2, 3]} gives {@code lambda* = 0, t* = 2} although {@code r > 0};
 *       {@code a = (1, 1), r = 0}, {@code t_1 in [-2, -1]}, {@code t_2} free gives
 *       {@code t0 = (-1, 0)}, {@code phi(0) = -1 < 0} although {@code r = 0}, and
 *       {@code lambda* = 1, t* = (-1, 1)}. Also {@code p* >= 1/2||t0||^2 > 0} then, so the dual
 *       value is positive even for a constraint that 0 would satisfy.</li>
 *   <li>if {@code r - sum_i max(a_i tl_i, a_i tu_i)} beats rounding (the one rule of
 *       {@link DualResults#certificateMargin}, shared with the kernel solver) the problem is
 *       {@link DualStatus#INFEASIBLE_IN_BOX} (certificate {@code mu = 1}); a margin inside the rounding
 *       band is not infeasibility: the walk below ends at the last breakpoint, the box corner, which
 *       meets the constraint to rounding;</li>
 *   <li>otherwise sorts the positive breakpoints and walks the segments with the running value
 *       and slope of {@code phi} until the segment that contains the root; there it recomputes
 *       the root from that segment's active set {@code F} alone,
 *       {@code lambda* = (r - sum_{i not in F} a_i t_i) / sum_{i in F} a_i^2}, so that rounding
 *       from the walk does not accumulate; the recomputed root is kept inside its segment.</li>
 * </ol>
 * The smallest root is returned (when {@code phi} is flat at 0, every root gives the same
 * {@code t*}, as {@code t*} is unique; {@code lambda*} and {@code nu*} are the smallest ones).
 * No repair is needed: {@code t* = t(lambda*)} satisfies {@code a^T t* = r} up to rounding, which
 * the feasibility tolerance absorbs. The exact {@code K = 1} solvers (L2, L_inf, L1) report
 * {@link DualStatus#SOLVED} whenever their point is feasible to the tolerance; the gap they report
 * (about {@code 1e-16} relative in the tests) is then the measure of rounding, not a stopping
 * criterion. Were their point to miss the feasibility tolerance (rounding beyond it), the status
 * would be {@link DualStatus#MAX_ITER} with {@code primalValue = +inf}.
 *
 * <h2>L2, K &gt; 1: accelerated projected dual ascent, then one exact active-set step</h2>
 * {@code lambda <- max(0, y + eta (r - A t(y)))}, {@code eta = 1/||A||_2^2} (largest eigenvalue
 * of {@code A A^T}, see {@link DualMath#largestEigenvalue}), with Nesterov momentum on {@code y}
 * and a restart of the momentum whenever the step turns against the previous one. Every
 * {@code checkEvery} iterations:
 * <ul>
 *   <li><b>gap:</b> {@code t(lambda)} is in the box by construction. If it satisfies
 *       {@code A t >= r} to the tolerance, it is a feasible primal point and
 *       {@code p(t) - G(lambda) = lambda^T (A t(lambda) - r)}; the solve stops when the relative
 *       gap is at most the tolerance, or when the absolute gap is below its float64 rounding
 *       floor ({@link DualMath#gapRoundingFloor}): with cancellation in {@code A^T lambda}
 *       (nearly dependent rows) the achievable relative gap in float64 is about
 *       {@code eps (|A|^T lambda)^2 / ||A^T lambda||^2}, which can exceed {@code 1e-12}; the
 *       reported gap is then the computed one, not 0.</li>
 *   <li><b>repair by a last exact step</b> (what "repair" means here): with the active
 *       constraints {@code S = {k : lambda_k > 0}} and the free coordinates
 *       {@code F = {i : tl_i < (A^T lambda)_i < tu_i}} (the others fixed at their bound), the KKT
 *       equations are linear: {@code A_SF A_SF^T lambda_S = r_S - A_S,notF t_notF}. Their solution
 *       is accepted only if it is {@code >= 0} and its {@code t(lambda)} is feasible with a gap
 *       below the tolerance (or at the rounding floor); otherwise the ascent goes on from where it
 *       was. No scaling repair is used: scaling {@code t(lambda)} toward feasibility leaves the box
 *       where a bound binds (e.g. {@code a = (1, 1)}, {@code t_1 in [0, 0.5]}, {@code t_2 in [0, 2]},
 *       {@code r = 1.5}, {@code lambda = 0.9}: {@code t = (0.5, 0.9)}, and the scale {@code 1.5/1.4}
 *       pushes {@code t_1} past 0.5) and cannot fix a constraint with {@code a_k^T t < 0}. The
 *       result is parametrized by {@code lambda} ({@code t = clip(A^T lambda)}), so its float64
 *       accuracy is about {@code eps cond(A_SF)^2}: excellent for well-conditioned rows, about
 *       {@code 1e-6} relative for two rows at a determinant of {@code 3e-5} (tested).</li>
 *   <li><b>infeasibility:</b> the dual is unbounded exactly when some {@code mu >= 0} has
 *       {@code sigma_box(A^T mu) < mu^T r} ({@code sigma_box} the support function of the box);
 *       along a diverging ascent, {@code lambda / ||lambda||_1} and the direction of the last
 *       increments approach such a {@code mu} (for plain projected ascent, {@code lambda_n / n}
 *       tends to the least-norm element of the closure of the range of the gradient map, which
 *       separates 0 from it). Each candidate is checked exactly; the check also runs up front on
 *       every single constraint. A certificate must beat rounding ({@link DualResults}, the rule every
 *       solver shares; the result at given multipliers and its SOLVED test are
 *       {@link DualResults#l2Result}):
 *       {@code mu^T r - sigma_box(A^T mu) > 1e-12 (|mu|^T |r| + sum_i |w_i| max(|tl_i|, |tu_i|))}.
 *       A diverging problem without a verified certificate ends as {@link DualStatus#MAX_ITER}.
 *       Limitation: with coordinates unbounded on both sides, a certificate needs
 *       {@code (A^T mu)_i = 0} exactly there in floating point, which iterates hit only in lucky
 *       cases (e.g. symmetric rows); otherwise such problems end as MAX_ITER (with
 *       {@code primalValue = +inf}), never as SOLVED.</li>
 * </ul>
 *
 * <h2>L_inf and L1, K = 1 (the additive model's other norms)</h2>
 * <b>L_inf:</b> the box points of magnitude at most {@code s} form the box
 * {@code [max(tl_i, -s), min(tu_i, s)]}, nonempty for {@code s >= s0 = max_i max(0, tl_i, -tu_i)}.
 * The best they reach is {@code M(s) = sum_i |a_i| min(c_i, s)} ({@code c_i = tu_i} if
 * {@code a_i > 0}, {@code -tl_i} if {@code a_i < 0}), concave, nondecreasing, piecewise linear.
 * {@code s*} is the least {@code s >= s0} with {@code M(s) >= r}, found by walking the sorted caps
 * {@code c_i} (exact recomputation on the final segment as above). {@code t*_i = sign(a_i) min(c_i, s*)}
 * ({@code clip(0)} of the small box where {@code a_i = 0}). The dual is
 * {@code g(lambda) = lambda r + min_{s >= s0} (s - lambda M(s))}; {@code lambda* = 1 / M'(s*)}
 * (the reciprocal of the slope, i.e. of {@code sum |a_i|} over the uncapped coordinates), or 0
 * when {@code s* = s0}. Then {@code t*} is the convex combination of the least-magnitude point
 * and the maximizer of {@code a^T t} in the small box with {@code a^T t = r} (or the former if it
 * is already feasible). Box multipliers: {@code nu = lambda a - g} with the subgradient
 * {@code g_i = lambda a_i} on uncapped coordinates and 0 on capped ones (so {@code nu_i = lambda a_i}
 * at a bound), and {@code g = sign(t_j) e_j} at a coordinate that forces {@code s0} when
 * {@code lambda = 0, s0 > 0}.
 * <br><b>L1:</b> from {@code t0 = clip(0, tl, tu)}, moving coordinate {@code i} in the direction
 * {@code sign(a_i)} buys margin at a cost of {@code 1/|a_i|} per unit up to the capacity
 * {@code |a_i| * room_i}: a fractional knapsack. Coordinates are filled in order of decreasing
 * {@code |a_i|} until the deficit {@code r - a^T t0} is closed; {@code lambda* = 1/|a_m|} for the
 * last (marginal) coordinate {@code m}, 0 if there is no deficit. (Both {@code 1/|a_m|} and the
 * L_inf {@code 1/M'(s*)} are rounded down when needed so that {@code lambda* x <= 1} holds in
 * floating point: the dual sits exactly at the edge where it drops to {@code -inf}.) The dual is
 * {@code g(lambda) = lambda r + sum_i min_{t_i in [tl_i, tu_i]} (|t_i| - lambda a_i t_i)}.
 * Box multipliers {@code nu_i = lambda a_i - g_i} with {@code g_i} the point of the subdifferential
 * of {@code |t_i|} nearest {@code lambda a_i}.
 */
public final class ReferenceDualSolver implements DualSolver {
    private final DualSolverOptions options;

    public ReferenceDualSolver(DualSolverOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    public ReferenceDualSolver() {
        this(DualSolverOptions.defaults());
    }

    /** True: the iterative path ({@code K > 1} L2) starts from the given multipliers. */
    @Override
    public boolean supportsWarmStart() {
        return true;
    }

    public DualSolverOptions options() {
        return options;
    }

    /** Solves every problem of the batch; see the class description for the method per case. */
    @Override
    public DualSolutions solve(DualProblem problem) {
        return solve(problem, new double[problem.batch() * problem.constraints()]);
    }

    /**
     * Solves every problem, warm-starting the iterative path ({@code K > 1} L2) from
     * {@code lambda0 [B, K]} (entries must be finite and {@code >= 0}; ignored by the exact
     * {@code K = 1} solvers, whose answer does not depend on a start).
     */
    @Override
    public DualSolutions solve(DualProblem problem, org.lde.tensor.Tensor lambda0) {
        org.lde.tensor.Shape want = org.lde.tensor.Shape.of(problem.batch(), problem.constraints());
        if (!lambda0.shape().equals(want)) {
            throw new IllegalArgumentException("warm start lambda0 has shape " + lambda0.shape() + ", expected " + want);
        }
        return solve(problem, lambda0.data().clone());
    }

    private DualSolutions solve(DualProblem problem, double[] lambda0) {
        int k = problem.constraints();
        for (int b = 0; b < problem.batch(); b++) {
            for (int j = 0; j < k; j++) {
                double v = lambda0[b * k + j];
                if (!(v >= 0) || !Double.isFinite(v)) {
                    throw new IllegalArgumentException("warm start lambda0[b=" + b + ", k=" + j + "] = " + v
                            + " (must be finite and >= 0)");
                }
            }
        }
        List<DualSolution> out = new ArrayList<>(problem.batch());
        for (int b = 0; b < problem.batch(); b++) {
            out.add(solveOne(problem, b, Arrays.copyOfRange(lambda0, b * k, (b + 1) * k)));
        }
        return new DualSolutions(out);
    }

    private DualSolution solveOne(DualProblem p, int b, double[] lambda0) {
        int k = p.constraints();
        int d = p.dim();
        double[] a = p.matrix(b);
        double[] r = p.rhs(b);
        double[] tl = p.lowerBounds(b);
        double[] tu = p.upperBounds(b);
        switch (p.objective()) {
            case LINF:
                return solveLinf(a, r[0], tl, tu);
            case L1:
                return solveL1(a, r[0], tl, tu);
            case L2:
            default:
                if (k == 1 && options.exactOneConstraint()) {
                    return solveL2One(a, r[0], tl, tu);
                }
                return solveL2Iterative(a, k, d, r, tl, tu, lambda0);
        }
    }

    // ---------------------------------------------------------------- common result assembly

    /** {@link DualResults#l2Result} with this solver's options; exact for the {@code K = 1} breakpoint search. */
    private DualSolution l2Result(DualStatus requested, double[] a, int k, int d, double[] r, double[] tl, double[] tu,
                                  double[] lambda, int iterations) {
        return DualResults.l2Result(requested, a, k, d, r, tl, tu, lambda, iterations, options,
                k == 1 && options.exactOneConstraint());
    }

    // ---------------------------------------------------------------- L2, K = 1, exact

    private DualSolution solveL2One(double[] a, double r, double[] tl, double[] tu) {
        int d = a.length;
        double[] t0 = DualMath.clipZero(tl, tu);
        double phi0 = -r;
        for (int i = 0; i < d; i++) {
            phi0 += a[i] * t0[i];
        }
        double[] rr = {r};
        if (phi0 >= 0) {
            return l2Result(DualStatus.SOLVED, a, 1, d, rr, tl, tu, new double[] {0}, 0);
        }
        DualSolution none = DualResults.singleRowCertificate(Objective.L2, a, 1, d, rr, tl, tu, 0);
        if (none != null) {
            return none;
        }
        // breakpoints: b1 <= b2 per coordinate; active (slope a^2) for b1 < lambda < b2
        double[] pos = new double[2 * d];
        double[] dslope = new double[2 * d];
        int n = 0;
        double slope = 0;
        double[] b1 = new double[d];
        double[] b2 = new double[d];
        for (int i = 0; i < d; i++) {
            if (a[i] == 0) {
                b1[i] = Double.POSITIVE_INFINITY;
                b2[i] = Double.POSITIVE_INFINITY;
                continue;
            }
            double lo = a[i] > 0 ? tl[i] / a[i] : tu[i] / a[i];
            double hi = a[i] > 0 ? tu[i] / a[i] : tl[i] / a[i];
            b1[i] = lo;
            b2[i] = hi;
            double w = a[i] * a[i];
            if (hi <= 0) {
                continue; // saturated at its upper contribution for every lambda > 0
            }
            if (lo <= 0) {
                slope += w;
            } else {
                pos[n] = lo;
                dslope[n++] = w;
            }
            if (hi < Double.POSITIVE_INFINITY) {
                pos[n] = hi;
                dslope[n++] = -w;
            }
        }
        Integer[] order = new Integer[n];
        for (int e = 0; e < n; e++) {
            order[e] = e;
        }
        final double[] fpos = pos;
        Arrays.sort(order, (x, y) -> Double.compare(fpos[x], fpos[y]));
        double lam = 0;
        double v = phi0;
        int e = 0;
        int passed = 0;
        double segHi;
        while (true) {
            double next = e < n ? pos[order[e]] : Double.POSITIVE_INFINITY;
            if (slope > 0 && lam + (-v) / slope <= next) {
                segHi = next;
                break;
            }
            if (e >= n) {
                segHi = lam; // rounding: phi reaches its maximum (about 0) at the last breakpoint
                break;
            }
            v += slope * (next - lam);
            lam = next;
            while (e < n && pos[order[e]] == next) {
                slope += dslope[order[e]];
                e++;
                passed++;
            }
        }
        // exact recomputation on the segment [lam, segHi]
        double mid = segHi == Double.POSITIVE_INFINITY ? (lam == 0 ? 1 : 2 * lam) : 0.5 * (lam + segHi);
        double num = r;
        double den = 0;
        for (int i = 0; i < d; i++) {
            if (a[i] == 0) {
                continue;
            }
            if (b1[i] < mid && mid < b2[i]) {
                den += a[i] * a[i];
            } else {
                num -= a[i] * DualMath.clip(mid * a[i], tl[i], tu[i]);
            }
        }
        double lambda = den > 0 ? num / den : lam;
        if (segHi > lam) {
            lambda = Math.min(Math.max(lambda, lam), segHi);
        } else {
            lambda = lam;
        }
        return l2Result(DualStatus.SOLVED, a, 1, d, rr, tl, tu, new double[] {lambda}, passed);
    }

    // ---------------------------------------------------------------- L2, iterative

    private DualSolution solveL2Iterative(double[] a, int k, int d, double[] r, double[] tl, double[] tu,
                                          double[] lambda0) {
        double[] t0 = DualMath.clipZero(tl, tu);
        if (DualMath.feasible(a, k, d, r, t0, 0)) {
            return l2Result(DualStatus.SOLVED, a, k, d, r, tl, tu, new double[k], 0);
        }
        // single-constraint infeasibility certificates
        DualSolution none = DualResults.singleRowCertificate(Objective.L2, a, k, d, r, tl, tu, 0);
        if (none != null) {
            return none;
        }
        double lip = DualMath.largestEigenvalue(DualLinearAlgebra.gram(a, k, d), k);
        if (!(lip > 0)) {
            // A = 0 and t0 infeasible: some r_k > 0 was certified above; reaching here means r_k > 0 with a_k = 0
            // failed the rounding margin, which cannot happen for a_k = 0. Defensive.
            return l2Result(DualStatus.MAX_ITER, a, k, d, r, tl, tu, new double[k], 0);
        }
        double eta = 1 / lip;
        double[] x = lambda0.clone();
        double[] xPrev = x.clone();
        double[] y = x.clone();
        double[] xCheck = x.clone();
        double theta = 1;
        double bestGap = Double.POSITIVE_INFINITY;
        double[] best = x.clone();
        int it = 0;
        while (it < options.maxIterations()) {
            it++;
            double[] ty = DualMath.tOfLambda(a, k, d, y, tl, tu);
            double[] aty = DualMath.mult(a, k, d, ty);
            double[] xNew = new double[k];
            double turn = 0;
            for (int j = 0; j < k; j++) {
                xNew[j] = Math.max(0, y[j] + eta * (r[j] - aty[j]));
                turn += (y[j] - xNew[j]) * (xNew[j] - x[j]);
            }
            double thetaNext = 0.5 * (1 + Math.sqrt(1 + 4 * theta * theta));
            double beta = (theta - 1) / thetaNext;
            if (turn > 0) { // momentum works against the ascent: restart
                thetaNext = 1;
                beta = 0;
            }
            xPrev = x;
            x = xNew;
            for (int j = 0; j < k; j++) {
                y[j] = x[j] + beta * (x[j] - xPrev[j]);
            }
            theta = thetaNext;
            if (it % options.checkEvery() == 0 || it == options.maxIterations()) {
                // (1) gap at the iterate
                double g = Math.abs(gapOf(a, k, d, r, tl, tu, x));
                if (g < bestGap) {
                    bestGap = g;
                    best = x.clone();
                }
                if (g <= options.gapTolerance()) {
                    return l2Result(DualStatus.SOLVED, a, k, d, r, tl, tu, x, it);
                }
                // (2) last exact step
                double[] pol = options.activeSetStep() ? polish(a, k, d, r, tl, tu, x) : new double[0];
                if (pol.length == k) {
                    double gp = Math.abs(gapOf(a, k, d, r, tl, tu, pol));
                    if (gp <= options.gapTolerance()) {
                        return l2Result(DualStatus.SOLVED, a, k, d, r, tl, tu, pol, it);
                    }
                    if (gp < bestGap) {
                        bestGap = gp;
                        best = pol.clone();
                    }
                }
                // (3) infeasibility: direction of lambda and of the last increments
                double[] inc = new double[k];
                for (int j = 0; j < k; j++) {
                    inc[j] = Math.max(0, x[j] - xCheck[j]);
                }
                xCheck = x.clone();
                for (double[] cand : new double[][] {x, inc}) {
                    DualSolution diverged = DualResults.directionCertificate(a, k, d, r, tl, tu, cand, it);
                    if (diverged != null) {
                        return diverged;
                    }
                }
            }
        }
        double[] fin = bestGap < Double.POSITIVE_INFINITY ? best : x;
        return l2Result(DualStatus.MAX_ITER, a, k, d, r, tl, tu, fin, it);
    }

    /** Relative gap of {@code lambda} with the primal point {@code t(lambda)}; +inf if that point is infeasible. */
    private double gapOf(double[] a, int k, int d, double[] r, double[] tl, double[] tu, double[] lambda) {
        double[] t = DualMath.tOfLambda(a, k, d, lambda, tl, tu);
        if (!DualMath.feasible(a, k, d, r, t, options.feasibilityTolerance())) {
            return Double.POSITIVE_INFINITY;
        }
        double[] at = DualMath.mult(a, k, d, t);
        double p = DualMath.halfSquaredNorm(t);
        double g = p;
        for (int j = 0; j < k; j++) {
            g -= lambda[j] * (at[j] - r[j]);
        }
        if (Math.abs(p - g) <= DualMath.gapRoundingFloor(a, k, d, r, lambda, t, p)) {
            return 0; // at the rounding floor: float64 cannot resolve a smaller gap for this lambda
        }
        return DualMath.relativeGap(p, g);
    }

    /**
     * The last exact step: solve the KKT equations on the active set of {@code lambda} once
     * ({@link DualLinearAlgebra#activeSetStep} with one round). Returns the new multipliers, or an
     * empty array when the system is singular or the solution has a negative entry.
     */
    private static double[] polish(double[] a, int k, int d, double[] r, double[] tl, double[] tu, double[] lambda) {
        return DualLinearAlgebra.activeSetStep(a, k, d, r, tl, tu, lambda, 1);
    }

    // ---------------------------------------------------------------- L_inf, K = 1

    private DualSolution solveLinf(double[] a, double r, double[] tl, double[] tu) {
        int d = a.length;
        double[] rr = {r};
        double s0 = DualMath.linfStart(tl, tu);
        double[] cap = new double[d];
        double m0 = 0;
        double slope = 0;
        DualSolution none;
        int n = 0;
        double[] pos = new double[d];
        double[] dw = new double[d];
        for (int i = 0; i < d; i++) {
            if (a[i] == 0) {
                cap[i] = Double.NEGATIVE_INFINITY;
                continue;
            }
            cap[i] = a[i] > 0 ? tu[i] : -tl[i];
            double w = Math.abs(a[i]);
            if (cap[i] > s0) {
                m0 += w * s0;
                slope += w;
                if (cap[i] < Double.POSITIVE_INFINITY) {
                    pos[n] = cap[i];
                    dw[n++] = w;
                }
            } else {
                m0 += w * cap[i];
            }
        }
        double sStar;
        double lambda;
        int passed = 0;
        boolean[] uncapped = new boolean[d];
        if (m0 >= r) {
            sStar = s0;
            lambda = 0;
        } else if ((none = DualResults.singleRowCertificate(Objective.LINF, a, 1, d, rr, tl, tu, 0)) != null) {
            return none;
        } else {
            Integer[] order = new Integer[n];
            for (int e = 0; e < n; e++) {
                order[e] = e;
            }
            final double[] fpos = pos;
            Arrays.sort(order, (x, y) -> Double.compare(fpos[x], fpos[y]));
            double s = s0;
            double v = m0 - r;
            int e = 0;
            double segHi;
            while (true) {
                double next = e < n ? pos[order[e]] : Double.POSITIVE_INFINITY;
                if (slope > 0 && s + (-v) / slope <= next) {
                    segHi = next;
                    break;
                }
                if (e >= n) {
                    segHi = s;
                    break;
                }
                v += slope * (next - s);
                s = next;
                while (e < n && pos[order[e]] == next) {
                    slope -= dw[order[e]];
                    e++;
                    passed++;
                }
            }
            double mid = segHi == Double.POSITIVE_INFINITY ? s + 1 + s : 0.5 * (s + segHi);
            double num = r;
            double den = 0;
            for (int i = 0; i < d; i++) {
                if (a[i] == 0) {
                    continue;
                }
                if (cap[i] > mid) {
                    uncapped[i] = true;
                    den += Math.abs(a[i]);
                } else {
                    num -= Math.abs(a[i]) * cap[i];
                }
            }
            double sNew = den > 0 ? num / den : s;
            sStar = segHi > s ? Math.min(Math.max(sNew, s), segHi) : s;
            lambda = den > 0 ? reciprocalBelow(den) : 0;
        }
        // the point
        double[] t = new double[d];
        double[] nu = new double[d];
        if (lambda > 0) {
            for (int i = 0; i < d; i++) {
                if (a[i] > 0) {
                    t[i] = Math.min(tu[i], sStar);
                } else if (a[i] < 0) {
                    t[i] = Math.max(tl[i], -sStar);
                } else {
                    t[i] = DualMath.clip(0, Math.max(tl[i], -sStar), Math.min(tu[i], sStar));
                }
                // subgradient g_i = lambda a_i on uncapped coordinates (|t_i| = s*), 0 on capped ones
                nu[i] = (a[i] != 0 && !uncapped[i]) ? lambda * a[i] : 0;
            }
        } else {
            double[] tMin = new double[d];
            double[] tMax = new double[d];
            for (int i = 0; i < d; i++) {
                double lo = Math.max(tl[i], -sStar);
                double hi = Math.min(tu[i], sStar);
                tMin[i] = DualMath.clip(0, lo, hi);
                tMax[i] = a[i] > 0 ? hi : (a[i] < 0 ? lo : tMin[i]);
            }
            double aMin = 0;
            double aMax = 0;
            for (int i = 0; i < d; i++) {
                aMin += a[i] * tMin[i];
                aMax += a[i] * tMax[i];
            }
            double th = aMin >= r ? 0 : Math.min(1, (r - aMin) / (aMax - aMin));
            for (int i = 0; i < d; i++) {
                t[i] = tMin[i] + th * (tMax[i] - tMin[i]);
            }
            if (sStar > 0) {
                // a coordinate that forces s0: |t_j| = s0 at a bound; g = sign(t_j) e_j, nu = -g
                for (int i = 0; i < d; i++) {
                    if (tl[i] == sStar) {
                        nu[i] = -1;
                        break;
                    }
                    if (tu[i] == -sStar) {
                        nu[i] = 1;
                        break;
                    }
                }
            }
        }
        double dual = DualMath.dualLinf(a, r, tl, tu, lambda);
        return normResult(Objective.LINF, a, r, tl, tu, t, lambda, nu, dual, DualMath.normInf(t), passed);
    }

    // ---------------------------------------------------------------- L1, K = 1

    private DualSolution solveL1(double[] a, double r, double[] tl, double[] tu) {
        int d = a.length;
        double[] rr = {r};
        double[] t = DualMath.clipZero(tl, tu);
        double deficit = r;
        for (int i = 0; i < d; i++) {
            deficit -= a[i] * t[i];
        }
        double lambda = 0;
        int passed = 0;
        if (deficit > 0) {
            DualSolution none = DualResults.singleRowCertificate(Objective.L1, a, 1, d, rr, tl, tu, 0);
            if (none != null) {
                return none;
            }
            Integer[] order = new Integer[d];
            for (int i = 0; i < d; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Double.compare(Math.abs(a[y]), Math.abs(a[x])));
            double rem = deficit;
            for (int e = 0; e < d && rem > 0; e++) {
                int i = order[e];
                if (a[i] == 0) {
                    break;
                }
                double room = a[i] > 0 ? tu[i] - t[i] : t[i] - tl[i];
                double capacity = Math.abs(a[i]) * room;
                passed++;
                if (room <= 0) {
                    continue;
                }
                lambda = reciprocalBelow(Math.abs(a[i]));
                if (capacity >= rem) {
                    t[i] += Math.signum(a[i]) * rem / Math.abs(a[i]);
                    // stay exactly in the box despite rounding
                    t[i] = DualMath.clip(t[i], tl[i], tu[i]);
                    rem = 0;
                } else {
                    t[i] = a[i] > 0 ? tu[i] : tl[i];
                    rem -= capacity;
                }
            }
        }
        double[] nu = new double[d];
        for (int i = 0; i < d; i++) {
            double c = lambda * a[i];
            double g = t[i] > 0 ? 1 : (t[i] < 0 ? -1 : DualMath.clip(c, -1, 1));
            nu[i] = c - g;
        }
        double dual = DualMath.dualL1(a, r, tl, tu, lambda);
        return normResult(Objective.L1, a, r, tl, tu, t, lambda, nu, dual, DualMath.norm1(t), passed);
    }

    /**
     * {@code 1/x} rounded so that {@code (1/x) * x <= 1} in floating point: at the optimum the dual
     * of L_inf/L1 sits exactly on the edge where a ray of slope {@code 1 - lambda x} becomes
     * negative (and {@code g = -inf}); rounding {@code 1/x} up would cross it.
     */
    static double reciprocalBelow(double x) {
        double v = 1 / x;
        while (v * x > 1) {
            v = Math.nextDown(v);
        }
        return v;
    }

    private DualSolution normResult(Objective obj, double[] a, double r, double[] tl, double[] tu, double[] t,
                                    double lambda, double[] nu, double dual, double norm, int passed) {
        int d = a.length;
        double[] rr = {r};
        double at = 0;
        for (int i = 0; i < d; i++) {
            at += a[i] * t[i];
        }
        double viol = Math.max(0, r - at);
        boolean feas = DualMath.feasible(a, 1, d, rr, t, options.feasibilityTolerance());
        double primal = feas ? norm : Double.POSITIVE_INFINITY;
        double gap = DualMath.relativeGap(primal, dual);
        double stat = 0;
        for (int i = 0; i < d; i++) {
            if (t[i] != tl[i] && t[i] != tu[i]) {
                stat = Math.max(stat, Math.abs(nu[i]));
            }
        }
        KktReport kkt = new KktReport(viol, DualMath.boxViolation(t, tl, tu), Math.max(0, -lambda),
                Math.abs(lambda * (at - r)), stat);
        DualStatus status = feas ? DualStatus.SOLVED : DualStatus.MAX_ITER;
        return new DualSolution(status, obj, t, new double[] {lambda}, nu, dual, primal, gap, viol, 0, passed, kkt);
    }
}
