/**
 * Certified bounds on the network (METHOD.md section 7): IBP, CROWN, CROWN-IBP and alpha-CROWN
 * bounds on a {@link org.lde.certify.Specification} over L_inf and L2 balls
 * ({@link org.lde.certify.Certifier#bounds}), and the certified radius {@code r_lo}
 * ({@link org.lde.certify.Certifier#certifiedRadius}). The bound passes come from the
 * {@code Backend} ({@code intervals}, {@code boundLower}: the backward pass and its concretization; float64
 * reference in {@code org.lde.engine.bound}, float64 kernels on a {@code GpuBackend}); alpha-CROWN runs here in float64.
 */
package org.lde.certify;
