/**
 * Reports of explanations: PNG panels ({@link org.lde.report.Panels}), one JSON line and one CSV row per
 * explanation with every number ({@link org.lde.report.ExplanationRows}), the figure page
 * ({@link org.lde.report.FigureReport}: tiles on the diverging {@link org.lde.report.Colormap}, colour bars, the
 * certificate's {@link org.lde.report.IntervalLine}), the output folder's rules
 * ({@link org.lde.report.ReportFolder}), the older per-row HTML index ({@link org.lde.report.HtmlIndex}),
 * PNG input reading ({@link org.lde.report.PngImages}), and the whole run written to a folder ({@link org.lde.report.ExplanationReport}). Rendering uses
 * {@code java.awt} in headless mode.
 */
package org.lde.report;
