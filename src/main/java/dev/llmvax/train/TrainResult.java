package dev.llmvax.train;

import java.util.List;

/**
 * The outcome of a fine-tune.
 *
 * @param steps        optimiser steps in the whole run
 * @param resumedAt    the step a resumed run continued from (0 when it started afresh)
 * @param losses       mean loss of every step, from step 1 (a resumed run includes the checkpoint's)
 * @param tokens       real tokens processed by this invocation
 * @param lossTokens   answer tokens that carried loss, this invocation
 * @param seconds      wall time of this invocation's steps
 */
public record TrainResult(int steps, int resumedAt, List<Double> losses, long tokens, long lossTokens, double seconds) {
    public double firstLoss() {
        return losses.isEmpty() ? Double.NaN : losses.get(0);
    }

    public double lastLoss() {
        return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
    }

    /** Real tokens per second of this invocation. */
    public double tokensPerSecond() {
        return seconds > 0 ? tokens / seconds : 0;
    }
}
