package dev.llmvax.data;

import java.util.Arrays;
import java.util.List;

/**
 * One training step's inputs as flat row-major arrays, ready to become {@code (rows, cols)} tensors.
 * Row {@code r} holds example {@code e}: {@code inputIds} = {@code e.ids[0 .. n-2]} and {@code targets} =
 * {@code e.ids[1 .. n-1]} (already shifted), with {@link #IGNORE_INDEX} where no loss applies: targets in
 * the prompt, and padding. Rows are right-padded to the longest one; with causal attention no real token
 * attends to a later pad, so no attention mask is needed and positions run 0, 1, ... as without padding.
 * The arrays are not copied: treat them as read-only.
 *
 * @param rows     examples in the batch
 * @param cols     the longest row's input length ({@code ids.length - 1})
 * @param inputIds (rows, cols) token ids, padded with the pad id
 * @param targets  (rows, cols) next-token ids, or {@link #IGNORE_INDEX}
 * @param lengths  (rows) real input length of each row; the rest is padding
 * @param examples (rows) index of each row's example in the list the batches were made from
 */
public record Batch(int rows, int cols, long[] inputIds, long[] targets, int[] lengths, int[] examples) {

    /** The target of a position without loss; PyTorch's {@code cross_entropy} default {@code ignore_index}. */
    public static final long IGNORE_INDEX = -100;

    public Batch {
        if (inputIds.length != rows * cols || targets.length != rows * cols || lengths.length != rows
                || examples.length != rows) {
            throw new IllegalArgumentException("batch arrays do not match " + rows + " x " + cols);
        }
    }

    /** Pads {@code rows} (indices {@code indices} in the source list) into one batch. */
    public static Batch of(List<Example> rows, int[] indices, long padId) {
        int cols = 0;
        for (Example e : rows) {
            cols = Math.max(cols, e.length() - 1);
        }
        long[] in = new long[rows.size() * cols];
        long[] tg = new long[rows.size() * cols];
        Arrays.fill(in, padId);
        Arrays.fill(tg, IGNORE_INDEX);
        int[] lengths = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            Example e = rows.get(r);
            int[] ids = e.ids();
            int n = ids.length - 1;
            lengths[r] = n;
            for (int t = 0; t < n; t++) {
                in[r * cols + t] = ids[t];
                if (t + 1 >= e.answerStart()) {
                    tg[r * cols + t] = ids[t + 1];
                }
            }
        }
        return new Batch(rows.size(), cols, in, tg, lengths, indices.clone());
    }

    /** Input positions holding real tokens. */
    public int realTokens() {
        return Arrays.stream(lengths).sum();
    }

    /** Positions the loss is computed on (targets that are not {@link #IGNORE_INDEX}). */
    public int lossTokens() {
        int n = 0;
        for (long t : targets) {
            n += t != IGNORE_INDEX ? 1 : 0;
        }
        return n;
    }

    /** Share of the {@code rows * cols} positions that are padding. */
    public double paddingFraction() {
        return rows * cols == 0 ? 0 : 1.0 - (double) realTokens() / ((long) rows * cols);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Batch b && rows == b.rows && cols == b.cols && Arrays.equals(inputIds, b.inputIds)
                && Arrays.equals(targets, b.targets) && Arrays.equals(lengths, b.lengths)
                && Arrays.equals(examples, b.examples);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {rows, cols, Arrays.hashCode(inputIds), Arrays.hashCode(targets),
            Arrays.hashCode(examples)});
    }

    @Override
    public String toString() {
        return "Batch[" + rows + " x " + cols + ", examples=" + Arrays.toString(examples) + "]";
    }
}
