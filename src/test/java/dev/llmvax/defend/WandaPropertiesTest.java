package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.model.Tensors;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.bytedeco.pytorch.Tensor;

/** Unstructured Wanda reaches exactly the requested sparsity, row by row, with the mask a plain sort gives. */
class WandaPropertiesTest {

    @Property(tries = 60)
    void everyRowLosesFloorOfSparsityTimesWidthLowestScoresFirst(@ForAll @IntRange(min = 1, max = 99) int percent,
            @ForAll @IntRange(min = 1, max = 6) int rows, @ForAll @IntRange(min = 1, max = 70) int width,
            @ForAll boolean ties, @ForAll long seed) {
        Random r = new Random(seed);
        float[] w = new float[rows * width];
        for (int i = 0; i < w.length; i++) {
            // ties: few distinct magnitudes, so equal scores are common and the tie rule is exercised
            w[i] = ties ? (1 + r.nextInt(3)) * (r.nextBoolean() ? 1 : -1) : (float) r.nextGaussian() + 1e-3f;
        }
        float[] norms = ties ? new float[width] : DefendFixtures.positive(r, width);
        if (ties) {
            java.util.Arrays.fill(norms, 1);
        }
        int k = percent * width / 100; // floor, in exact integer arithmetic
        float[] after;
        try (Tensor t = Tensors.fromFloats(w, rows, width)) {
            long zeroed = Wanda.pruneRows(t, norms, percent / 100.0);
            assertThat(zeroed).isEqualTo((long) rows * k);
            after = Tensors.toFloats(t);
        }
        for (int row = 0; row < rows; row++) {
            int base = row * width;
            Integer[] order = IntStream.range(0, width).boxed().sorted(Comparator
                    .comparingDouble((Integer j) -> Math.abs(w[base + j]) * norms[j])
                    .thenComparingInt(j -> j)).toArray(Integer[]::new);
            boolean[] expectZero = new boolean[width];
            for (int i = 0; i < k; i++) {
                expectZero[order[i]] = true;
            }
            for (int j = 0; j < width; j++) {
                assertThat(after[base + j]).as("row %d column %d", row, j)
                        .isEqualTo(expectZero[j] ? 0f : w[base + j]);
            }
        }
    }
}
