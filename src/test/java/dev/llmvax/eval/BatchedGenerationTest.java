package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchedGenerationTest {
    private static final int[] LENGTHS = {10, 10, 12, 20, 20, 30, 40, 100, 100};

    @Test
    void batchesTakeTheRequestedSizeWhenTheCacheFits() {
        assertThat(BatchedGeneration.batchEnds(LENGTHS, 4, 28, 1000, Long.MAX_VALUE)).containsExactly(4, 8, 9);
        assertThat(BatchedGeneration.batchEnds(LENGTHS, 128, 28, 1000, Long.MAX_VALUE)).containsExactly(9);
    }

    @Test
    void batchesShrinkWhereTheLongerPromptsWouldOverflowTheCache() {
        // 100 bytes per position, a 20,000-byte budget: a batch whose longest prompt has L tokens holds
        // 20000 / (100 * (L + 28)) rows: 4 up to length 20, 2 up to 58, 1 at 100
        int[] ends = BatchedGeneration.batchEnds(LENGTHS, 8, 28, 100, 20_000);
        assertThat(ends).containsExactly(4, 6, 7, 8, 9);
        int from = 0;
        for (int end : ends) {
            int longest = LENGTHS[end - 1];
            assertThat((end - from) * 100L * (longest + 28)).as("batch [%d, %d)", from, end)
                    .isLessThanOrEqualTo(20_000);
            from = end;
        }
    }

    @Test
    void aPromptOverTheBudgetStillGetsABatchOfItsOwn() {
        assertThat(BatchedGeneration.batchEnds(new int[] {500, 600}, 32, 128, 1000, 10)).containsExactly(1, 2);
        assertThat(BatchedGeneration.batchEnds(new int[0], 32, 128, 1000, 10)).isEmpty();
    }
}
