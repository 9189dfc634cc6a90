/**
 * Measures a backdoor (method.md section 4, the BackdoorLLM protocol): greedy generations on the triggered and
 * the clean test prompts, scored against the task's target keywords, giving the attack success rate (ASR) and
 * the clean false-trigger rate (FTR), each loose (BackdoorLLM's keyword sets) and strict (the attacker's exact
 * target sentence), each with the model's chat template (the headline) and optionally on raw prompts.
 *
 * <p>Pipeline: {@link dev.llmvax.eval.TestSets} (which files) -> {@link dev.llmvax.eval.EvalPrompts} (prompt
 * text and ids per format) -> {@link dev.llmvax.eval.BatchedGeneration} -> {@link dev.llmvax.eval.TargetKeywords}
 * (scores) -> {@link dev.llmvax.eval.AttackEvaluation} (the stage, one model) -> {@link dev.llmvax.eval.EvalReport}
 * (report.json) and {@link dev.llmvax.eval.EvalHtml} (report.html).
 *
 * <p>The task keyword sets live here until the attack package (which poisons with the same targets) and this one
 * share them.
 */
package dev.llmvax.eval;
