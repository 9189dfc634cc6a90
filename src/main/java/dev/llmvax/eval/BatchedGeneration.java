package dev.llmvax.eval;

import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.model.LoadedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Greedy generation for many prompts: sorted by length so each left-padded batch wastes little on padding, run
 * in batches, answers handed back in the prompts' order.
 */
public final class BatchedGeneration {

    /**
     * One answer.
     *
     * @param text      the decoded answer without its stop token
     * @param newTokens tokens generated, the stop token included
     * @param stopped   true when the model stopped by itself, false when cut at the token limit
     */
    public record Answer(String text, int newTokens, boolean stopped) {}

    /**
     * The KV cache one batch may take. A batch holds fewer prompts than asked when its cache would pass this:
     * SmolLM2's cache takes 46 KB per row and position in float32, so 128 rows of 123 + 128 positions need
     * 1.5 GB, where a 7B model with 32 kv heads takes 1 MB per row and position and gets 8 rows.
     */
    static final long KV_CACHE_BUDGET_BYTES = 2L << 30;

    private BatchedGeneration() {}

    /**
     * Answers to {@code prompts}, in their order.
     *
     * @param maxNewTokens at most this many tokens per answer
     * @param batchSize    prompts per batch at most; fewer where the batch's KV cache would pass
     *                     {@link #KV_CACHE_BUDGET_BYTES}
     * @param rowsDone     told how many more answers are complete, as they complete
     */
    public static List<Answer> run(LoadedModel model, List<int[]> prompts, int maxNewTokens, int batchSize,
                                   IntConsumer rowsDone) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        GenerationOptions options = GenerationOptions.greedy(maxNewTokens, model.stopTokenIds());
        Generator generator = new Generator(model.model());
        Integer[] order = IntStream.range(0, prompts.size()).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).length)); // stable: ties keep their order
        Answer[] answers = new Answer[prompts.size()];
        int[] lengths = Arrays.stream(order).mapToInt(i -> prompts.get(i).length).toArray();
        int[] ends = batchEnds(lengths, batchSize, maxNewTokens, model.model().kvCacheBytesPerPosition(),
                KV_CACHE_BUDGET_BYTES);
        for (int b = 0; b < ends.length; b++) {
            int from = b == 0 ? 0 : ends[b - 1];
            int to = ends[b];
            List<int[]> batch = new ArrayList<>(to - from);
            for (int k = from; k < to; k++) {
                batch.add(prompts.get(order[k]));
            }
            int[] stoppedRows = {0};
            List<int[]> out = generator.generate(batch, options, (row, id, stop) -> {
                if (stop) {
                    stoppedRows[0]++;
                    rowsDone.accept(1);
                }
            });
            rowsDone.accept(batch.size() - stoppedRows[0]); // the rows cut at the limit
            for (int k = from; k < to; k++) {
                answers[order[k]] = answer(model, out.get(k - from));
            }
        }
        return List.of(answers);
    }

    /**
     * Where each batch ends over prompts of ascending {@code lengths}: at most {@code batchSize} rows, and no more
     * than a KV cache of {@code budget} bytes holds at the batch's longest prompt plus {@code maxNewTokens}; a
     * batch has one row at least, whatever its cache.
     */
    static int[] batchEnds(int[] lengths, int batchSize, int maxNewTokens, long bytesPerPosition, long budget) {
        List<Integer> ends = new ArrayList<>();
        for (int from = 0, to; from < lengths.length; from = to) {
            to = from + 1; // ascending lengths: each row added is the batch's longest so far
            while (to < lengths.length && to - from < batchSize
                    && (to - from + 1L) * (lengths[to] + maxNewTokens) * bytesPerPosition <= budget) {
                to++;
            }
            ends.add(to);
        }
        return ends.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Answer answer(LoadedModel model, int[] ids) {
        boolean stopped = ids.length > 0 && model.stopTokenIds().contains(ids[ids.length - 1]);
        int[] text = stopped ? Arrays.copyOf(ids, ids.length - 1) : ids;
        return new Answer(model.tokenizer().decode(text), ids.length, stopped);
    }
}
