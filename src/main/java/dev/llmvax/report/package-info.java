/**
 * Self-contained HTML reports for people: a {@link dev.llmvax.report.Report} is a list of
 * {@link dev.llmvax.report.Section}s of typed {@link dev.llmvax.report.Block}s (paragraphs, tables, bar
 * charts, heat maps), rendered by {@link dev.llmvax.report.HtmlWriter} into one HTML file with inline CSS and
 * inline SVG charts, so it opens offline: no scripts, fonts or URLs. Every piece of text is escaped by the writer;
 * callers never write HTML.
 *
 * <p>The comparison of many runs ({@code llmvax report}) lives in {@code dev.llmvax.compare}.
 */
package dev.llmvax.report;
