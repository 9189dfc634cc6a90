package dev.llmvax.data;

/**
 * How examples are grouped into batches.
 *
 * @param batchSize     examples per batch (the last batch of an epoch may hold fewer)
 * @param seed          the run's seed; each epoch derives its own shuffle from it
 * @param padId         the id written into padding positions; any valid id (its logits are never
 *                      read: pads come after a row's real tokens and their targets are ignored)
 * @param bucketBatches how many batches' worth of shuffled examples are sorted by length together: more
 *                      means less padding but batches that are less random; 1 is plain random batching
 */
public record BatchOptions(int batchSize, long seed, long padId, int bucketBatches) {

    /** HF's {@code group_by_length} sorts megabatches of 50 batches. */
    public static final int DEFAULT_BUCKET_BATCHES = 50;

    public BatchOptions {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        if (bucketBatches < 1) {
            throw new IllegalArgumentException("bucketBatches must be at least 1, got " + bucketBatches);
        }
        if (padId < 0) {
            throw new IllegalArgumentException("pad id must be a token id (>= 0), got " + padId);
        }
    }

    /** Length-bucketed batches over {@link #DEFAULT_BUCKET_BATCHES} batches' worth of examples. */
    public static BatchOptions of(int batchSize, long seed, long padId) {
        return new BatchOptions(batchSize, seed, padId, DEFAULT_BUCKET_BATCHES);
    }
}
