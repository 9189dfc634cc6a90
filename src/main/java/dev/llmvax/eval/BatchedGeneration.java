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
 * Greedy generation for many prompts: sorted by length, decoded with rows refilled as answers finish, answers
 * handed back in the prompts' order.
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
     * The KV cache a batch may take; it holds fewer rows than asked when its longest prompt plus the new tokens
     * would pass this. SmolLM2's cache takes 46 KB per row and position in float32, so 128 rows of 123 + 128
     * positions need 1.5 GB, where a 7B model with 32 kv heads takes 1 MB per row and position and gets 8 rows.
     */
    static final long KV_CACHE_BUDGET_BYTES = 2L << 30;

    private BatchedGeneration() {}

    /**
     * Answers to {@code prompts}, in their order.
     *
     * @param maxNewTokens at most this many tokens per answer
     * @param batchSize    rows decoded at once at most; rows that finish take the next prompts
     *                     ({@link Generator#generatePooled}); fewer rows where the KV cache would pass
     *                     {@link #KV_CACHE_BUDGET_BYTES}, for the longest prompts only ({@link #segmentEnds})
     * @param rowsDone     told how many more answers are complete, as they complete
     */
    public static List<Answer> run(LoadedModel model, List<int[]> prompts, int maxNewTokens, int batchSize,
                                   IntConsumer rowsDone) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, found " + batchSize);
        }
        GenerationOptions options = GenerationOptions.greedy(maxNewTokens, model.stopTokenIds());
        Integer[] order = IntStream.range(0, prompts.size()).boxed().toArray(Integer[]::new);
        // stable: ties keep their order. Prefill parts of similar lengths waste little on padding.
        Arrays.sort(order, Comparator.comparingInt(i -> prompts.get(i).length));
        List<int[]> sorted = Arrays.stream(order).map(prompts::get).toList();
        int[] lengths = sorted.stream().mapToInt(p -> p.length).toArray();
        int[] ends = segmentEnds(lengths, batchSize, maxNewTokens, model.model().kvCacheBytesPerPosition(),
                KV_CACHE_BUDGET_BYTES);
        Generator generator = new Generator(model.model());
        Answer[] answers = new Answer[prompts.size()];
        for (int g = 0, from = 0; g < ends.length; from = ends[g++]) {
            int[] produced = new int[ends[g] - from];
            List<int[]> out = generator.generatePooled(sorted.subList(from, ends[g]), options, batchSize,
                    KV_CACHE_BUDGET_BYTES, (row, id, stop) -> {
                        if (stop || ++produced[row] == maxNewTokens) {
                            rowsDone.accept(1);
                        }
                    });
            for (int k = 0; k < out.size(); k++) {
                answers[order[from + k]] = answer(model, out.get(k));
            }
        }
        return List.of(answers);
    }

    /**
     * Where each pool of prompts of ascending {@code lengths} ends. A pool's KV cache is as long as its longest
     * prompt plus {@code maxNewTokens}, so one long prompt would cut the rows of every shorter one: a pool keeps
     * the rows its shortest prompt allows (at most {@code maxRows}, within {@code budget}) and takes prompts as
     * long as those rows still fit.
     */
    static int[] segmentEnds(int[] lengths, int maxRows, int maxNewTokens, long bytesPerPosition, long budget) {
        List<Integer> ends = new ArrayList<>();
        for (int from = 0, to; from < lengths.length; from = to) {
            long rows = Generator.poolRows(lengths.length - from, maxRows,
                    (lengths[from] + (long) maxNewTokens) * bytesPerPosition, budget);
            to = from + 1;
            while (to < lengths.length && rows * (lengths[to] + (long) maxNewTokens) * bytesPerPosition <= budget) {
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
