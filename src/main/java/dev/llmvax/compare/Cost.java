package dev.llmvax.compare;

/**
 * What it took to make a model from the suspicious one: the training tokens processed and the wall time, with how
 * they were counted (they come from different records in purify.json and defend.json).
 *
 * @param trainingTokens tokens the training steps processed, or null when the file does not say
 * @param wallSeconds    wall time of the stages that made the model, or null when the file does not say
 * @param basis          which stages are counted, e.g. "variants + scores + neutralise + repair"
 */
public record Cost(Long trainingTokens, Double wallSeconds, String basis) {}
