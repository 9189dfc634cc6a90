/**
 * Clean utility of a model: zero-shot log-likelihood multiple-choice accuracy on public benchmarks and
 * perplexity of held-out clean answers (method.md section 4, "Utility").
 *
 * <ol>
 *   <li>{@link dev.llmvax.eval.utility.Benchmarks} reads the first N items of a
 *       {@link dev.llmvax.eval.utility.Benchmark} into {@link dev.llmvax.eval.utility.McItem}s, in the prompt
 *       formats of {@code PromptFormats} (the golden reference's for HellaSwag, ARC-Easy and PIQA,
 *       lm-evaluation-harness's for the others).</li>
 *   <li>{@link dev.llmvax.eval.utility.McScorer} tokenises context and continuation separately and sums the
 *       continuation's log-probabilities, batched: each distinct context runs once into a KV cache and all
 *       its choices run side by side behind it ({@code ScorePlan}, {@code LoglikScorer}); it returns
 *       {@link dev.llmvax.eval.utility.McResult} (acc, acc_norm per UTF-8 byte).</li>
 *   <li>{@link dev.llmvax.eval.utility.Perplexity} scores held-out answers under the chat template with the
 *       training rendering and loss positions.</li>
 *   <li>{@link dev.llmvax.eval.utility.UtilityEval} runs both from a {@link dev.llmvax.eval.utility.UtilityConfig}
 *       into {@link dev.llmvax.eval.utility.UtilityResults}, which Jackson writes into report.json.</li>
 * </ol>
 */
package dev.llmvax.eval.utility;
