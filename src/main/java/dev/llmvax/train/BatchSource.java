package dev.llmvax.train;

import dev.llmvax.data.Batch;

/**
 * Deterministic training batches: the same (epoch, index) always gives the same batch, which is what lets
 * an interrupted run resume exactly.
 */
public interface BatchSource {
    /** Micro-batches in one epoch. */
    int batchesPerEpoch();

    /** Batch {@code index} of epoch {@code epoch} (both from 0). */
    Batch batch(int epoch, int index);

    /** A {@link dev.llmvax.data.BatchPlan}'s batches. */
    static BatchSource of(dev.llmvax.data.BatchPlan plan) {
        return new BatchSource() {
            @Override
            public int batchesPerEpoch() {
                return plan.batchesPerEpoch();
            }

            @Override
            public Batch batch(int epoch, int index) {
                return plan.batch(epoch, index);
            }
        };
    }
}
