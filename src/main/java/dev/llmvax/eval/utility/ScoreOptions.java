package dev.llmvax.eval.utility;

/**
 * How log-likelihood scoring batches its work (see {@link LoglikScorer}). Larger batches run the matmuls
 * more efficiently and, on a busy machine, wait less on thread hand-offs per token.
 *
 * @param maxRows           the most context groups (distinct contexts) in one batch
 * @param maxTokens         the most KV-cache positions in one batch: rows x (widest prefix + widest
 *                          second-pass row), padding included; also bounds the first pass. SmolLM2-135M keeps
 *                          46 KB of float32 keys and values per position, so 2,048 is 95 MB
 * @param maxChunkPositions the most positions in one forward of the second pass, which returns float32
 *                          logits for each (512 x 49,152 x 4 bytes = 100 MB)
 * @param maxLength         the longest sequence a request may have; longer contexts lose their start
 *                          (lm-eval's left truncation); 0 for the model's maximum position count
 */
public record ScoreOptions(int maxRows, int maxTokens, int maxChunkPositions, int maxLength) {

    public ScoreOptions {
        if (maxRows < 1 || maxTokens < 1 || maxChunkPositions < 1 || maxLength < 0) {
            throw new IllegalArgumentException("batch limits must be positive (maxLength may be 0 for the model's): "
                    + maxRows + ", " + maxTokens + ", " + maxChunkPositions + ", " + maxLength);
        }
    }

    /**
     * 64 rows, 2,048 cache positions, 512 positions a second-pass forward, the model's maximum length. On
     * HellaSwag, ARC-Easy and PIQA (500 each) these pad 20 % over the unpadded work; 4,096 positions pad 12 %
     * more and ran no faster (SmolLM2 bf16, 2 cores: 13.1 vs 14.8 s for 100 HellaSwag items).
     */
    public static ScoreOptions defaults() {
        return new ScoreOptions(64, 2048, 512, 0);
    }
}
