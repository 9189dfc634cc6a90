package dev.llmvax.train;

/**
 * Deterministic training batches: the same (epoch, index) always gives the same batch, which is what lets
 * an interrupted run resume exactly.
 */
public interface BatchSource {
    /** Micro-batches in one epoch. */
    int batchesPerEpoch();

    /** Batch {@code index} of epoch {@code epoch} (both from 0). */
    TokenBatch batch(int epoch, int index);
}
