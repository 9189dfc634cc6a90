package dev.llmvax.eval.utility;

/**
 * How log-likelihood scoring batches its work. Larger batches run the matmuls more efficiently; the
 * continuation pass holds float32 logits for {@code maxChunkPositions x vocab} (200 MB at 1,024 x 49,152).
 *
 * @param maxRows           the most context groups (distinct contexts) in one batch
 * @param maxPrefixTokens   the most context tokens in one batch's first pass, padding included
 * @param maxChunkPositions the most continuation positions in one batch's second pass, padding included
 * @param maxLength         the longest sequence a request may have; longer contexts lose their start
 *                          (lm-eval's left truncation); 0 for the model's maximum position count
 */
public record ScoreOptions(int maxRows, int maxPrefixTokens, int maxChunkPositions, int maxLength) {

    public ScoreOptions {
        if (maxRows < 1 || maxPrefixTokens < 1 || maxChunkPositions < 1 || maxLength < 0) {
            throw new IllegalArgumentException("batch limits must be positive (maxLength may be 0 for the model's): "
                    + maxRows + ", " + maxPrefixTokens + ", " + maxChunkPositions + ", " + maxLength);
        }
    }

    /** Defaults measured on SmolLM2-135M, 2 cores (see McScorer). */
    public static ScoreOptions defaults() {
        return new ScoreOptions(64, 2048, 512, 0);
    }
}
