package dev.llmvax.train;

import dev.llmvax.lora.LoraConfig;

/**
 * Every hyper-parameter of a fine-tune.
 *
 * @param lora             the adapter to train, or null for a full fine-tune
 * @param epochs           passes over the data
 * @param lr               peak learning rate
 * @param batchSize        rows per micro-batch
 * @param gradAccum        micro-batches per optimiser step
 * @param maxLen           tokens per example at most (longer ones are truncated)
 * @param seed             data order, LoRA init and dropout
 * @param warmupRatio      share of the steps spent warming up linearly, then cosine decay to 0
 * @param weightDecay      AdamW's decoupled weight decay
 * @param maxGradNorm      clip the global gradient norm to this (0: no clipping)
 * @param checkpointEvery  save a resumable checkpoint every N optimiser steps (0: only at the end)
 */
public record TrainConfig(LoraConfig lora, int epochs, double lr, int batchSize, int gradAccum, int maxLen, long seed,
                          double warmupRatio, double weightDecay, double maxGradNorm, int checkpointEvery,
                          double beta1, double beta2, double eps) {

    public TrainConfig {
        positive("epochs", epochs);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be a positive number, got " + lr);
        }
        positive("batch size", batchSize);
        positive("gradient accumulation", gradAccum);
        positive("max length", maxLen);
        if (!(warmupRatio >= 0 && warmupRatio < 1)) {
            throw new IllegalArgumentException("warm-up ratio must be in [0, 1), got " + warmupRatio);
        }
        if (!(weightDecay >= 0) || !(maxGradNorm >= 0) || checkpointEvery < 0) {
            throw new IllegalArgumentException("weight decay, gradient-norm clip and checkpoint interval must be >= 0");
        }
    }

    private static void positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be a positive integer, got " + v);
        }
    }

    /** LoRA with PEFT's and BackdoorLLM's usual settings: lr 2e-4, 3 epochs, batch 8, cosine, clip 1.0. */
    public static TrainConfig lora(LoraConfig lora) {
        return new TrainConfig(lora, 3, 2e-4, 8, 1, 512, 42, 0.03, 0.0, 1.0, 50, 0.9, 0.999, 1e-8);
    }

    /** Full fine-tuning: as {@link #lora} with lr 2e-5. */
    public static TrainConfig full() {
        return new TrainConfig(null, 3, 2e-5, 8, 1, 512, 42, 0.03, 0.0, 1.0, 50, 0.9, 0.999, 1e-8);
    }

    public boolean isLora() {
        return lora != null;
    }

    public TrainConfig withEpochs(int e) {
        return new TrainConfig(lora, e, lr, batchSize, gradAccum, maxLen, seed, warmupRatio, weightDecay, maxGradNorm,
                checkpointEvery, beta1, beta2, eps);
    }

    public TrainConfig withLr(double v) {
        return new TrainConfig(lora, epochs, v, batchSize, gradAccum, maxLen, seed, warmupRatio, weightDecay,
                maxGradNorm, checkpointEvery, beta1, beta2, eps);
    }

    public TrainConfig withBatch(int b, int accum) {
        return new TrainConfig(lora, epochs, lr, b, accum, maxLen, seed, warmupRatio, weightDecay, maxGradNorm,
                checkpointEvery, beta1, beta2, eps);
    }

    public TrainConfig withMaxLen(int v) {
        return new TrainConfig(lora, epochs, lr, batchSize, gradAccum, v, seed, warmupRatio, weightDecay, maxGradNorm,
                checkpointEvery, beta1, beta2, eps);
    }

    public TrainConfig withSeed(long s) {
        return new TrainConfig(lora, epochs, lr, batchSize, gradAccum, maxLen, s, warmupRatio, weightDecay, maxGradNorm,
                checkpointEvery, beta1, beta2, eps);
    }

    public TrainConfig withCheckpointEvery(int n) {
        return new TrainConfig(lora, epochs, lr, batchSize, gradAccum, maxLen, seed, warmupRatio, weightDecay,
                maxGradNorm, n, beta1, beta2, eps);
    }

    public TrainConfig withWarmupRatio(double w) {
        return new TrainConfig(lora, epochs, lr, batchSize, gradAccum, maxLen, seed, w, weightDecay, maxGradNorm,
                checkpointEvery, beta1, beta2, eps);
    }
}
