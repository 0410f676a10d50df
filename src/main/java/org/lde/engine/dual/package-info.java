/**
 * The batched dual of METHOD.md sections 2-5, below {@code engine} so that every backend can solve
 * it: {@link org.lde.engine.dual.DualProblem} (a batch of {@code min f(t) s.t. A t >= r, tl <= t <= tu}),
 * {@link org.lde.engine.dual.DualSolution}, the float64 {@link org.lde.engine.dual.ReferenceDualSolver}
 * (the truth every kernel is checked against), {@link org.lde.engine.dual.Certificates} (weak-duality
 * bounds, gaps, KKT residuals), and {@link org.lde.engine.dual.DualLinearization}: the linearized
 * problems of one outer step of section 6, described without their margin gradients, which
 * {@code Backend.solveLinearized} supplies from its reverse pass (on a device, without a trip to the
 * host). The GPU solver is {@code org.lde.engine.gpu.GpuDualSolver}.
 */
package org.lde.engine.dual;
