/**
 * Lagrange dual explainers: {@link org.lde.explain.LagrangeDualExplainer} (METHOD.md sections 2-6),
 * its records ({@link org.lde.explain.Explanation}, {@link org.lde.explain.Certificate}) and the
 * attributions. The dual problems, their solvers and certificates live one level down, in
 * {@code org.lde.engine.dual}, so that the {@code Backend} can solve them (on a device, where the
 * reverse pass leaves the rows).
 *
 * <p>Every {@link org.lde.explain.Explanation} carries a {@link org.lde.explain.Certificate} with the
 * three numbers of METHOD.md section 4: {@code r_lin} (the linearized dual bound at {@code x}, local),
 * {@code r_lo} (the certified radius, from a {@link org.lde.explain.RadiusCertifier} when asked for) and
 * {@code r_hi} (the verified upper bound: a float64 forward pass confirmed the point, see
 * {@link org.lde.explain.VerifiedBy}). The explainer's parts: {@code ExplainBatch} (inputs, boxes, margin
 * rows), the outer loop behind the package-private {@code OuterLoop} interface ({@code LadderSearch}),
 * {@code Verifier} (the only writer of verified points) and {@code ExplanationAssembly}.
 *
 * <p>{@link org.lde.engine.dual.DualProblem} holds a batch of problems
 * {@code min f(t) s.t. A t >= r, tl <= t <= tu}; {@link org.lde.engine.dual.ReferenceDualSolver} is the
 * float64 truth (exact breakpoint search for {@code K = 1}, accelerated projected dual ascent with
 * a final exact active-set step for {@code K > 1}); {@link org.lde.engine.dual.Certificates} gives the
 * weak-duality lower bounds and gaps; {@link org.lde.explain.Attributions} the dual contribution,
 * the shadow prices and the perturbation map.
 *
 * <p><b>Prior art, stated plainly (METHOD.md section 8).</b> The single linearized L2 problem with a
 * box is what DeepFool (without a box) and FAB (with a box, by sorting breakpoints) solve; without
 * binding box constraints its ranking equals gradient saliency. Projected and accelerated dual
 * ascent, the fractional knapsack of the L1 case and the breakpoint search are textbook. Nothing in
 * this package's solver step is novel; what the engine adds is returning the multipliers, the dual
 * contribution, the dual value and the gap as the explanation, in one batched call.
 */
package org.lde.explain;
