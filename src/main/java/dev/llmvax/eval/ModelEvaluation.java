package dev.llmvax.eval;

import dev.llmvax.eval.utility.UtilityResults;

/**
 * Everything measured on one model.
 *
 * @param loadSeconds wall time to load the model (and merge its adapter)
 * @param attack      attack success and false triggers
 * @param utility     benchmark accuracy and held-out perplexity, or null when not asked for
 */
public record ModelEvaluation(ModelRef model, double loadSeconds, AttackResult attack, UtilityResults utility) {}
