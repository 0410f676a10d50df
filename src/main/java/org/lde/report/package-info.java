/**
 * Reports of explanations: PNG panels ({@link org.lde.report.Panels}), one JSON line and one CSV row per
 * explanation with every number ({@link org.lde.report.ExplanationRows}), an HTML index
 * ({@link org.lde.report.HtmlIndex}), PNG input reading ({@link org.lde.report.PngImages}), and the
 * whole run written to a folder ({@link org.lde.report.ExplanationReport}). Rendering uses
 * {@code java.awt} in headless mode.
 */
package org.lde.report;
