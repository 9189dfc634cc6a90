package dev.llmvax.eval.utility;

import dev.llmvax.data.Sample;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.util.Progress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The utility stage of an evaluation: multiple-choice accuracy on each configured benchmark, then perplexity
 * of held-out clean answers. A function from (model, data, config) to {@link UtilityResults}.
 */
public final class UtilityEval {
    private UtilityEval() {
    }

    /** Told of progress in items (or samples) per stage. */
    @FunctionalInterface
    public interface Listener {
        /** {@code done} more of {@code total} units of {@code stage} finished. */
        void advanced(String stage, int done, int total);

        /** No reporting. */
        static Listener silent() {
            return (stage, done, total) -> { };
        }
    }

    /**
     * @param evalDir the eval data folder ({@code ../shared/data/eval})
     * @param heldOut clean samples the model did not train on, or an empty list to skip perplexity
     */
    public static UtilityResults run(LoadedModel model, Path evalDir, UtilityConfig config, List<Sample> heldOut,
                                     Listener listener) {
        // load everything first, so that a bad file fails before minutes of scoring
        Map<String, List<McItem>> items = new LinkedHashMap<>();
        for (String name : config.benchmarks()) {
            items.put(name, Benchmarks.load(evalDir, name, config.items()));
        }
        Map<String, McResult> results = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        items.forEach((name, list) -> {
            long t0 = System.nanoTime();
            results.put(name, McScorer.score(model, list, config.scoring(),
                    n -> listener.advanced(name, n, list.size())));
            seconds.put(name, (System.nanoTime() - t0) / 1e9);
        });
        PerplexityResult ppl = null;
        if (!heldOut.isEmpty()) {
            long t0 = System.nanoTime();
            ppl = Perplexity.of(model, heldOut, config.pplMaxLength(), config.scoring(),
                    n -> listener.advanced("perplexity", n, heldOut.size()));
            seconds.put("perplexity", (System.nanoTime() - t0) / 1e9);
        }
        return new UtilityResults(config, results, ppl, seconds);
    }

    /** A listener that draws one {@link Progress} line per stage on stderr. */
    public static Listener progressLines() {
        return new Listener() {
            private String stage;
            private Progress line;

            @Override
            public void advanced(String s, int done, int total) {
                if (!s.equals(stage)) {
                    if (line != null) {
                        line.close();
                    }
                    stage = s;
                    line = new Progress("utility " + s, total, "items");
                }
                line.step(done);
                if (line.done() >= total) {
                    line.close();
                }
            }
        };
    }
}
