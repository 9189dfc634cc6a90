package dev.llmvax.eval.utility;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The utility part of an evaluation report (serialised with Jackson into report.json).
 *
 * @param config     what was measured
 * @param benchmarks accuracy per benchmark name, in the config's order
 * @param perplexity held-out answer perplexity, or null when no held-out samples were given
 * @param seconds    wall time per stage (benchmark names and {@code perplexity})
 */
public record UtilityResults(UtilityConfig config, Map<String, McResult> benchmarks, PerplexityResult perplexity,
                             Map<String, Double> seconds) {

    public UtilityResults {
        benchmarks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(benchmarks));
        seconds = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(seconds));
    }

    /** One line per benchmark and one for perplexity, for the terminal. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        benchmarks.forEach((name, r) -> s.append(String.format(Locale.ROOT,
                "%-14s acc %5.1f %%  acc_norm %5.1f %%  (n=%d, %.0fs)%n",
                name, 100 * r.acc(), 100 * r.accNorm(), r.n(), seconds.getOrDefault(name, 0.0))));
        if (perplexity != null) {
            s.append(String.format(Locale.ROOT, "%-14s %.3f over %d answer tokens of %d samples (%.0fs)%n",
                    "perplexity", perplexity.ppl(), perplexity.tokens(), perplexity.samples(),
                    seconds.getOrDefault("perplexity", 0.0)));
        }
        return s.toString();
    }
}
