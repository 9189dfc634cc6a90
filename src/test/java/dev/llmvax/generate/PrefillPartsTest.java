package dev.llmvax.generate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A batch larger than a prefill part is prefilled in parts, each padded to its own longest prompt. */
class PrefillPartsTest {
    // lengths 2..9, so parts of two rows have different lengths from each other and from the batch's longest
    private static final List<int[]> PROMPTS = List.of(new int[] {10, 11}, new int[] {12, 13, 14},
            new int[] {3, 4, 5, 6, 7, 8, 9}, new int[] {20, 21, 22, 23}, new int[] {30, 31, 32, 33, 34, 35, 36, 37, 38},
            new int[] {40, 41, 42}, new int[] {50});

    @Test
    void partsGiveWhatEachPromptGivesAlone() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            GenerationOptions opts = GenerationOptions.greedy(8, Set.of());
            Generator whole = new Generator(m);
            for (int rows : new int[] {1, 2, 3}) {
                List<int[]> batched = new Generator(m, rows).generate(PROMPTS, opts, TokenListener.NONE);
                for (int i = 0; i < PROMPTS.size(); i++) {
                    assertThat(batched.get(i)).as("parts of " + rows + ", row " + i)
                            .containsExactly(whole.generate(List.of(PROMPTS.get(i)), opts, TokenListener.NONE)
                                    .getFirst());
                }
            }
        }
    }

    /** Parts and rows leaving the batch together: row 0 stops early, the cache is compacted, the rest go on. */
    @Test
    void partsAndCompactionTogether() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            Generator whole = new Generator(m);
            int[] free = whole.generate(List.of(PROMPTS.getFirst()), GenerationOptions.greedy(12, Set.of()),
                    TokenListener.NONE).getFirst();
            GenerationOptions opts = GenerationOptions.greedy(12, Set.of(free[1]));
            List<int[]> batched = new Generator(m, 3).generate(PROMPTS, opts, TokenListener.NONE);
            for (int i = 0; i < PROMPTS.size(); i++) {
                assertThat(batched.get(i)).as("row " + i)
                        .containsExactly(whole.generate(List.of(PROMPTS.get(i)), opts, TokenListener.NONE).getFirst());
            }
            assertThat(batched.getFirst()).hasSizeLessThanOrEqualTo(2);
        }
    }

    @Test
    void partSizeMustBePositive() {
        LlamaConfig c = TinyModels.config();
        try (LlamaModel m = TinyModels.model(c, 2, Precision.F32)) {
            assertThatThrownBy(() -> new Generator(m, 0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at least 1");
        }
    }
}
