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

    private BatchedGeneration() {}

    /**
     * Answers to {@code prompts}, in their order.
     *
     * @param maxNewTokens at most this many tokens per answer
     * @param batchSize    prompts per batch
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
        for (int from = 0; from < order.length; from += batchSize) {
            int to = Math.min(order.length, from + batchSize);
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

    private static Answer answer(LoadedModel model, int[] ids) {
        boolean stopped = ids.length > 0 && model.stopTokenIds().contains(ids[ids.length - 1]);
        int[] text = stopped ? Arrays.copyOf(ids, ids.length - 1) : ids;
        return new Answer(model.tokenizer().decode(text), ids.length, stopped);
    }
}
