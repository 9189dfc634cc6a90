package dev.llmvax.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Rows that finish take the next prompts; every answer is what its prompt gives alone. */
class PooledGenerationTest {
    // sorted by length as callers pass them; 9 prompts through 3 rows means several refills
    private static final List<int[]> PROMPTS = List.of(new int[] {50}, new int[] {10, 11}, new int[] {12, 13, 14},
            new int[] {40, 41, 42}, new int[] {20, 21, 22, 23}, new int[] {5, 6, 7, 8, 9},
            new int[] {3, 4, 5, 6, 7, 8, 9}, new int[] {56, 57, 58, 59, 60, 61, 62, 63},
            new int[] {30, 31, 32, 33, 34, 35, 36, 37, 38});

    @Test
    void refilledRowsGiveWhatEachPromptGivesAlone() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            Generator alone = new Generator(m);
            // a stop token that some rows produce early and others never, so rows finish at different steps
            GenerationOptions free = GenerationOptions.greedy(10, Set.of());
            Set<Integer> stops = Set.of(alone.generate(List.of(PROMPTS.get(1)), free, TokenListener.NONE)
                    .getFirst()[2]);
            GenerationOptions opts = GenerationOptions.greedy(10, stops);
            List<int[]> expected = new ArrayList<>();
            for (int[] p : PROMPTS) {
                expected.add(alone.generate(List.of(p), opts, TokenListener.NONE).getFirst());
            }
            assertThat(expected.stream().mapToInt(a -> a.length).distinct().count())
                    .as("answers of different lengths").isGreaterThan(1);
            for (int[] shape : new int[][] {{3, 2}, {3, 1}, {4, 3}, {1, 1}, {9, 2}}) {
                List<int[]> seen = new ArrayList<>();
                List<int[]> pooled = new Generator(m, shape[1]).generatePooled(PROMPTS, opts, shape[0],
                        Long.MAX_VALUE, (row, id, stop) -> seen.add(new int[] {row, id}));
                for (int i = 0; i < PROMPTS.size(); i++) {
                    assertThat(pooled.get(i)).as("%d rows, parts of %d, prompt %d", shape[0], shape[1], i)
                            .containsExactly(expected.get(i));
                }
                assertThat(seen).hasSize(expected.stream().mapToInt(a -> a.length).sum());
            }
        }
    }

    /**
     * Enough rows (8 rows x 2 kv heads) for the decode attention's Vector API loops, which read each row's own
     * span of the cache only.
     */
    @Test
    void refilledRowsInTheVectorAttention() {
        LlamaConfig c = TinyModels.config();
        java.util.Random random = new java.util.Random(7);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            prompts.add(random.ints(1 + i / 2, 0, c.vocabSize()).toArray());
        }
        try (LlamaModel m = TinyModels.model(c, 3, Precision.F32)) {
            Generator alone = new Generator(m);
            GenerationOptions free = GenerationOptions.greedy(9, Set.of());
            Set<Integer> stops = new java.util.HashSet<>(); // tokens some answers reach early and others late
            for (int i : new int[] {2, 9, 16}) {
                stops.add(alone.generate(List.of(prompts.get(i)), free, TokenListener.NONE).getFirst()[i % 5 + 1]);
            }
            GenerationOptions opts = GenerationOptions.greedy(9, stops);
            List<int[]> pooled = new Generator(m, 3).generatePooled(prompts, opts, 8, Long.MAX_VALUE,
                    TokenListener.NONE);
            int stopped = 0;
            for (int i = 0; i < prompts.size(); i++) {
                int[] expected = alone.generate(List.of(prompts.get(i)), opts, TokenListener.NONE).getFirst();
                assertThat(pooled.get(i)).as("prompt %d", i).containsExactly(expected);
                stopped += expected.length < 9 ? 1 : 0;
            }
            assertThat(stopped).as("answers that stop early").isBetween(2, 22);
        }
    }

    @Test
    void theBudgetLimitsTheRows() {
        assertThat(Generator.poolRows(400, 128, 1000, Long.MAX_VALUE)).isEqualTo(128);
        assertThat(Generator.poolRows(20, 128, 1000, Long.MAX_VALUE)).isEqualTo(20);
        assertThat(Generator.poolRows(400, 128, 1000, 50_500)).isEqualTo(50);
        assertThat(Generator.poolRows(400, 128, 1000, 10)).as("one row at least").isEqualTo(1);
    }

    @Test
    void aTinyBudgetStillAnswersEveryPrompt() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            GenerationOptions opts = GenerationOptions.greedy(4, Set.of());
            List<int[]> pooled = new Generator(m).generatePooled(PROMPTS.subList(0, 4), opts, 32, 1, TokenListener.NONE);
            Generator alone = new Generator(m);
            for (int i = 0; i < 4; i++) {
                assertThat(pooled.get(i)).containsExactly(
                        alone.generate(List.of(PROMPTS.get(i)), opts, TokenListener.NONE).getFirst());
            }
        }
    }

    @Test
    void samplingIsRefused() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            GenerationOptions sampled = new GenerationOptions(4, 0.7, 1, 1, Set.of());
            assertThatThrownBy(() -> new Generator(m).generatePooled(PROMPTS, sampled, 4, Long.MAX_VALUE,
                    TokenListener.NONE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("greedy");
        }
    }
}
