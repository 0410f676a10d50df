/**
 * The metrics of METHOD.md section 9, each on any {@link org.lde.engine.Backend} with batched
 * forward passes, and each result a record that carries its protocol parameters.
 *
 * <ul>
 * <li>{@link org.lde.metrics.Aopc} with {@link org.lde.metrics.AopcOptions} and
 *     {@link org.lde.metrics.PatchGrid}: the AOPC protocol of record (MoRF; LeRF and a seeded
 *     random order beside it; mean or trapezoid aggregation);</li>
 * <li>{@link org.lde.metrics.DeletionInsertion}: deletion and insertion AUC;</li>
 * <li>{@link org.lde.metrics.Infidelity} and {@link org.lde.metrics.MaxSensitivity}: the
 *     robustness of explanations (Yeh et al. 2019), seeded;</li>
 * <li>{@link org.lde.metrics.Pgd} (L_inf, L2) and {@link org.lde.metrics.CarliniWagner} (L2):
 *     attacks inside the budget and the data box, {@link org.lde.metrics.AttackResult} with
 *     robust accuracy;</li>
 * <li>{@link org.lde.metrics.Efficiency}: wall time and pass counts through
 *     {@link org.lde.engine.CountingBackend}.</li>
 * </ul>
 *
 * Metrics evaluate the class the network predicts at the clean input ({@code argmax f(x)}).
 */
package org.lde.metrics;
