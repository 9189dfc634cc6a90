package dev.llmvax.eval;

/**
 * Everything measured on one model.
 *
 * <p>Extension point: utility results (benchmark accuracy, perplexity) join as one more component here, and as one
 * more section in {@link EvalHtml}.
 *
 * @param loadSeconds wall time to load the model (and merge its adapter)
 * @param attack      attack success and false triggers
 */
public record ModelEvaluation(ModelRef model, double loadSeconds, AttackResult attack) {}
