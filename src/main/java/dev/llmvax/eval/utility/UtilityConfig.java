package dev.llmvax.eval.utility;

import java.util.List;

/**
 * What the utility evaluation measures.
 *
 * @param benchmarks      benchmark names (see {@link Benchmark#names()}), scored in this order
 * @param items           the first {@code items} of each benchmark, in file order
 * @param pplMaxLength    the maximum sequence length for held-out perplexity (the training one)
 * @param scoring         batching limits
 */
public record UtilityConfig(List<String> benchmarks, int items, int pplMaxLength, ScoreOptions scoring) {

    /** HellaSwag, ARC-Easy and PIQA: the three with golden reference numbers for SmolLM2. */
    public static final List<String> DEFAULT_BENCHMARKS = List.of("hellaswag", "arc_easy", "piqa");

    public UtilityConfig {
        benchmarks = benchmarks.stream().map(b -> Benchmark.parse(b).id()).distinct().toList();
        if (items < 1) {
            throw new IllegalArgumentException("items per benchmark must be at least 1, got " + items);
        }
        if (pplMaxLength < 2) {
            throw new IllegalArgumentException("perplexity maximum length must be at least 2, got " + pplMaxLength);
        }
    }

    /**
     * Checks that every benchmark's file is under {@code evalDir}, so a wrong folder fails before minutes of other
     * work rather than after.
     *
     * @throws IllegalArgumentException naming the first missing file
     */
    public void checkFiles(java.nio.file.Path evalDir) {
        for (String b : benchmarks) {
            java.nio.file.Path f = evalDir.resolve(Benchmark.parse(b).file());
            if (!java.nio.file.Files.exists(f)) {
                throw new IllegalArgumentException("benchmark " + b + ": " + f + " not found (is --data-root right?)");
            }
        }
    }

    /** The default benchmarks, 500 items each, held-out answers cut at {@code pplMaxLength} tokens. */
    public static UtilityConfig defaults(int pplMaxLength) {
        return new UtilityConfig(DEFAULT_BENCHMARKS, 500, pplMaxLength, ScoreOptions.defaults());
    }
}
