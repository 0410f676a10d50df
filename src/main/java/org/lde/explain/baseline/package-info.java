/**
 * The baseline attribution methods of METHOD.md section 9, each an
 * {@link org.lde.explain.Attributor} that runs on any {@link org.lde.engine.Backend} with batched
 * calls (rows of many samples, steps, masks or windows go to the backend together, in chunks of
 * at most {@code chunkRows} rows; never one call per sample where a batch would do).
 *
 * <ul>
 * <li>{@link org.lde.explain.baseline.Saliency}: {@code grad f_y(x)}, signed or absolute;</li>
 * <li>{@link org.lde.explain.baseline.GradientTimesInput}: {@code x * grad f_y(x)};</li>
 * <li>{@link org.lde.explain.baseline.IntegratedGradients}: Gauss-Legendre or trapezoid
 *     quadrature of the path integral, with the completeness delta per sample;</li>
 * <li>{@link org.lde.explain.baseline.SmoothGrad}: mean gradient over seeded Gaussian copies;</li>
 * <li>{@link org.lde.explain.baseline.GradCam}: last conv layer (after its ReLU), spatial-mean channel weights,
 *     ReLU, bilinear upsampling ({@code align_corners=False}, {@link org.lde.explain.baseline.Bilinear});</li>
 * <li>{@link org.lde.explain.baseline.Rise}: seeded random coarse masks, shifted and upsampled;</li>
 * <li>{@link org.lde.explain.baseline.Occlusion}: sliding windows, mean logit drop;</li>
 * <li>{@link org.lde.explain.baseline.SparseSensitivity}: the logit change of single-feature deletion;</li>
 * <li>{@link org.lde.explain.baseline.DeepFool}: the iterative L2 attack with overshoot, verified flips;</li>
 * <li>{@link org.lde.explain.baseline.BoundaryAttributions}: BSM and BIG at DeepFool's boundary point.</li>
 * </ul>
 *
 * All explain the logit {@code f_y} of the class given per sample (RISE: its softmax probability,
 * as in the paper). {@link org.lde.explain.baseline.Baselines} names them with their defaults.
 *
 * <p>Prior art, stated as METHOD.md section 8 asks: the single linearised L2 problem of the
 * Lagrange dual explainer without a box is DeepFool's step, and its ranking equals gradient
 * saliency; these baselines are here so that the comparison is measured, not assumed.
 */
package org.lde.explain.baseline;
