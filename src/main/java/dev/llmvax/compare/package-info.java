/**
 * {@code llmvax report}: one page comparing every model evaluated by several runs (eval, purify, defend).
 * {@link dev.llmvax.compare.EvaluatedRun} reads a run's JSON, {@link dev.llmvax.compare.Comparison} makes one
 * {@link dev.llmvax.compare.ComparisonRow} per model (compare.json), {@link dev.llmvax.compare.ComparisonTable} lays
 * out the columns for compare.md and the page, and {@link dev.llmvax.compare.ComparisonHtml} builds the page with
 * the report package's blocks.
 */
package dev.llmvax.compare;
