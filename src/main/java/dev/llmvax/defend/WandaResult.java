package dev.llmvax.defend;

import dev.llmvax.purify.Matrix;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What {@link Wanda#prune} did.
 *
 * @param config            the settings it ran with (provenance)
 * @param pruned            weights the mask zeroed, per matrix type, summed over layers (one already zero counts too)
 * @param parameters        weights in the pruned matrices, per matrix type, summed over layers
 * @param calibrationRows   calibration sequences the activation norms came from
 * @param calibrationTokens tokens in them
 */
public record WandaResult(WandaConfig config, Map<Matrix, Long> pruned, Map<Matrix, Long> parameters,
                          int calibrationRows, long calibrationTokens) {
    public WandaResult {
        pruned = copy(pruned);
        parameters = copy(parameters);
    }

    private static Map<Matrix, Long> copy(Map<Matrix, Long> m) {
        Map<Matrix, Long> out = new EnumMap<>(Matrix.class); // Matrix order, whatever the map given
        out.putAll(m);
        return Collections.unmodifiableMap(out);
    }

    /** Weights zeroed over all pruned matrices. */
    public long prunedTotal() {
        return pruned.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Weights in all pruned matrices. */
    public long parametersTotal() {
        return parameters.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The sparsity reached over the pruned matrices: zeroed / weights (at most the requested one, by flooring). */
    public double sparsity() {
        long n = parametersTotal();
        return n == 0 ? 0 : (double) prunedTotal() / n;
    }
}
