package dev.llmvax.generate;

import java.util.Set;

/**
 * How to continue a prompt.
 *
 * @param maxNewTokens at most this many tokens per prompt
 * @param temperature  0 for greedy decoding; otherwise logits are divided by it before sampling
 * @param topP         nucleus sampling mass in (0, 1]; 1 keeps every token
 * @param seed         seeds the sampler, so a sampled run repeats exactly
 * @param stopTokenIds generation of a row ends after it emits one of these (EOS, end-of-turn)
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, long seed,
                                Set<Integer> stopTokenIds) {
    public GenerationOptions {
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("max new tokens must be at least 1, found " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, found " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], found " + topP);
        }
        stopTokenIds = Set.copyOf(stopTokenIds);
    }

    /** Greedy decoding that stops at the given tokens. */
    public static GenerationOptions greedy(int maxNewTokens, Set<Integer> stopTokenIds) {
        return new GenerationOptions(maxNewTokens, 0, 1, 0, stopTokenIds);
    }

    public boolean greedy() {
        return temperature == 0;
    }
}
