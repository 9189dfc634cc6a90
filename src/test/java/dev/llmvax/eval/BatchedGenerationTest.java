package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchedGenerationTest {
    private static final int[] LENGTHS = {10, 10, 12, 20, 20, 30, 40, 100, 100};

    @Test
    void onePoolWhenTheCacheFits() {
        assertThat(BatchedGeneration.segmentEnds(LENGTHS, 4, 28, 1000, Long.MAX_VALUE)).containsExactly(9);
        assertThat(BatchedGeneration.segmentEnds(LENGTHS, 128, 28, 1000, Long.MAX_VALUE)).containsExactly(9);
    }

    @Test
    void longPromptsGetPoolsOfTheirOwnSoShortOnesKeepTheirRows() {
        // 100 bytes per position, a 20,000-byte budget: prompts of L tokens allow 20000 / (100 * (L + 28)) rows:
        // 5 at 10 (4 asked), then a pool holds prompts up to 22 at 4 rows, 38 at 3, 72 at 2, any length at 1
        int[] ends = BatchedGeneration.segmentEnds(LENGTHS, 4, 28, 100, 20_000);
        assertThat(ends).containsExactly(5, 6, 7, 9);
        int from = 0;
        for (int end : ends) {
            int rows = Math.min(4, 20_000 / (100 * (LENGTHS[from] + 28)));
            assertThat((long) rows * 100 * (LENGTHS[end - 1] + 28)).as("pool [%d, %d)", from, end)
                    .isLessThanOrEqualTo(20_000);
            from = end;
        }
    }

    @Test
    void aPromptOverTheBudgetStillGetsAPoolOfItsOwn() {
        assertThat(BatchedGeneration.segmentEnds(new int[] {500, 600}, 32, 128, 1000, 10)).containsExactly(1, 2);
        assertThat(BatchedGeneration.segmentEnds(new int[0], 32, 128, 1000, 10)).isEmpty();
    }
}
