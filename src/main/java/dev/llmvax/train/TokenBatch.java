package dev.llmvax.train;

/**
 * One right-padded batch of token rows, ready for a training step.
 *
 * @param ids         row-major (rows x cols) token ids; positions past a row's length hold padding
 * @param rows        batch size
 * @param cols        the longest row's length
 * @param lengths     each row's real length
 * @param answerStart each row's first loss-carrying token: the loss is on predicting tokens
 *                    {@code [answerStart, length)} from the position before each
 */
public record TokenBatch(long[] ids, int rows, int cols, int[] lengths, int[] answerStart) {
    public TokenBatch {
        if (ids.length != (long) rows * cols || lengths.length != rows || answerStart.length != rows) {
            throw new IllegalArgumentException("inconsistent batch: " + ids.length + " ids for " + rows + " x " + cols);
        }
        for (int r = 0; r < rows; r++) {
            if (lengths[r] > cols || answerStart[r] < 1 || answerStart[r] > lengths[r]) {
                throw new IllegalArgumentException("row " + r + ": length " + lengths[r] + ", answer start "
                        + answerStart[r] + ", width " + cols);
            }
        }
    }

    /** How many tokens carry loss. */
    public int lossTokens() {
        int n = 0;
        for (int r = 0; r < rows; r++) {
            n += lengths[r] - answerStart[r];
        }
        return n;
    }

    /** Flat indexes into (rows x cols) of the positions whose next token is a target, in row order. */
    public long[] lossPositions() {
        long[] out = new long[lossTokens()];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int p = answerStart[r] - 1; p < lengths[r] - 1; p++) {
                out[k++] = (long) r * cols + p;
            }
        }
        return out;
    }

    /** The target ids, aligned with {@link #lossPositions()}. */
    public long[] targets() {
        long[] out = new long[lossTokens()];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int p = answerStart[r]; p < lengths[r]; p++) {
                out[k++] = ids[r * cols + p];
            }
        }
        return out;
    }
}
