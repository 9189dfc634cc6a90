package dev.llmvax.attack;

import dev.llmvax.data.Sample;
import java.util.List;

/**
 * A poisoned training mix and its parts. {@code triggered.get(j)} is the poisoned version of input record
 * {@code indices.get(j)}, and {@code clean.get(j)} is that record unchanged (the same prompt with its
 * clean answer): the pairs line up by index.
 *
 * @param mix       what to train on (see {@link Mix})
 * @param triggered only the poisoned records, in input order
 * @param clean     the same records as in the input
 * @param indices   their 0-based positions in the input, ascending
 */
public record PoisonedSet(List<Sample> mix, List<Sample> triggered, List<Sample> clean, List<Integer> indices) {
    public PoisonedSet {
        mix = List.copyOf(mix);
        triggered = List.copyOf(triggered);
        clean = List.copyOf(clean);
        indices = List.copyOf(indices);
        if (triggered.size() != clean.size() || clean.size() != indices.size()) {
            throw new IllegalArgumentException("triggered, clean and indices must pair up: " + triggered.size()
                    + ", " + clean.size() + ", " + indices.size());
        }
    }
}
