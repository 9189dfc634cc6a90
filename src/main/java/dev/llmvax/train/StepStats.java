package dev.llmvax.train;

/**
 * One optimiser step's figures, for progress bars and loss curves.
 *
 * @param step       optimiser steps done (1-based)
 * @param loss       mean cross-entropy over the step's answer tokens
 * @param gradNorm   global gradient norm before clipping
 * @param lossTokens tokens that carried loss in this step
 * @param tokens     real (non-padding) tokens processed in this step
 * @param seconds    wall time of this step
 */
public record StepStats(int step, int totalSteps, double loss, double lr, double gradNorm, long lossTokens, long tokens,
                        double seconds) {}
