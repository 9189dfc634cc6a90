package dev.llmvax.eval.utility;

import dev.llmvax.eval.utility.ScorePlan.Request;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Zero-shot log-likelihood multiple choice, as lm-evaluation-harness and the golden utility reference score
 * it: context and continuation tokenised separately without special tokens and concatenated (no BOS, no
 * chat template), the continuation's token log-probabilities summed; acc takes the argmax, acc_norm the
 * argmax of the sum divided by the continuation's UTF-8 byte length.
 */
public final class McScorer {
    private McScorer() {
    }

    /** {@link #score(LlamaModel, Tokenizer, List, ScoreOptions, IntConsumer)} with the model's tokenizer. */
    public static McResult score(LoadedModel model, List<McItem> items, ScoreOptions options, IntConsumer onItems) {
        return score(model.model(), model.tokenizer(), items, options, onItems);
    }

    /**
     * Scores {@code items}; all choices of all items are batched together (see {@link LoglikScorer}).
     *
     * @param onItems called with the number of items just finished (items finish out of order)
     */
    public static McResult score(LlamaModel model, Tokenizer tokenizer, List<McItem> items, ScoreOptions options,
                                 IntConsumer onItems) {
        Map<String, int[]> encoded = new HashMap<>(); // contexts repeat across choices
        List<Request> requests = new ArrayList<>();
        List<Integer> itemOf = new ArrayList<>();
        int[] pending = new int[items.size()];
        for (int i = 0; i < items.size(); i++) {
            for (McItem.Choice c : items.get(i).choices()) {
                int[] context = encoded.computeIfAbsent(c.context(), tokenizer::encode);
                int[] continuation = tokenizer.encode(c.continuation());
                if (context.length == 0) {
                    throw new IllegalArgumentException("item " + (i + 1)
                            + " has an empty context: nothing to condition on");
                }
                requests.add(new Request(context, continuation));
                itemOf.add(i);
            }
            pending[i] = items.get(i).choices().size();
        }
        double[] ll = LoglikScorer.score(model, requests, options, r -> {
            if (--pending[itemOf.get(r)] == 0) {
                onItems.accept(1);
            }
        });
        double[][] perItem = new double[items.size()][];
        for (int i = 0, r = 0; i < items.size(); i++) {
            int n = items.get(i).choices().size();
            perItem[i] = java.util.Arrays.copyOfRange(ll, r, r + n);
            r += n;
        }
        return McResult.of(items, perItem);
    }
}
