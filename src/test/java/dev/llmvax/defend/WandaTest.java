package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.model.Tensors;
import dev.llmvax.purify.Matrix;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Wanda's score and mask on hand-made matrices, and the config's validation. */
class WandaTest {
    /** W (3, 4); |W| alone would prune columns 0 and 1 of row 0, the norms move the mask elsewhere. */
    static final float[] W = {
        1, -2, 3, -4,
        4, 3, -2, 1,
        0.5f, 0.5f, 0.5f, 0.5f};
    static final float[] NORMS = {4, 1, 1, 0.5f};

    @Test
    void scoreIsMagnitudeTimesInputNorm() {
        try (Tensor w = Tensors.fromFloats(W, 3, 4); Tensor s = Wanda.scores(w, NORMS)) {
            assertThat(Tensors.toFloats(s)).containsExactly(
                    4, 2, 3, 2,
                    16, 3, 2, 0.5f,
                    2, 0.5f, 0.5f, 0.25f);
        }
    }

    @Test
    void halfSparsityZeroesTheTwoLowestScoresOfEachRowTiesToTheLowerColumn() {
        try (Tensor w = Tensors.fromFloats(W, 3, 4)) {
            long zeroed = Wanda.pruneRows(w, NORMS, 0.5);
            assertThat(zeroed).isEqualTo(6);
            // row 0: scores 4 2 3 2 -> columns 1 and 3; row 1: 16 3 2 0.5 -> 3 and 2;
            // row 2: 2 0.5 0.5 0.25 -> 3, then the 0.5 tie goes to column 1
            assertThat(Tensors.toFloats(w)).containsExactly(
                    1, 0, 3, 0,
                    4, 3, 0, 0,
                    0.5f, 0, 0.5f, 0);
        }
    }

    @Test
    void prunesThroughAStridedViewAsTheModelHandsOut() {
        // the model's weights() are transposed views of (in, out) storage: the mask must land in the storage
        float[] transposed = new float[12];
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 4; c++) {
                transposed[c * 3 + r] = W[r * 4 + c];
            }
        }
        try (Tensor storage = Tensors.fromFloats(transposed, 4, 3); Tensor w = storage.t()) {
            Wanda.pruneRows(w, NORMS, 0.25); // one per row: columns 1 (tie 2 = 2 -> lower), 3, 3
            assertThat(Tensors.toFloats(w)).containsExactly(
                    1, 0, 3, -4,
                    4, 3, -2, 0,
                    0.5f, 0.5f, 0.5f, 0);
            assertThat(Tensors.toFloats(storage)[1 * 3]).isZero(); // storage (1, 0) is W (0, 1)
        }
    }

    @Test
    void aSparsityBelowOneWeightPerRowPrunesNothing() {
        try (Tensor w = Tensors.fromFloats(W, 3, 4)) {
            assertThat(Wanda.pruneRows(w, NORMS, 0.2)).isZero(); // floor(0.2 * 4) = 0
            assertThat(Tensors.toFloats(w)).containsExactly(W);
        }
    }

    @Test
    void countForgivesDecimalFractions() {
        assertThat(0.29 * 100).isLessThan(29); // why count() needs its slack
        assertThat(Wanda.count(0.29, 100)).isEqualTo(29);
        assertThat(Wanda.count(0.5, 7)).isEqualTo(3);
        assertThat(Wanda.count(0.999, 10)).isEqualTo(9);
    }

    @Test
    void sparsityMustLieStrictlyBetweenZeroAndOne() {
        for (double s : new double[] {0, 1, -0.1, 1.5, Double.NaN}) {
            assertThatThrownBy(() -> WandaConfig.of(s)).as("sparsity %s", s)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(0, 1)").hasMessageContaining(String.valueOf(s));
        }
        assertThat(WandaConfig.of(0.5).sparsity()).isEqualTo(0.5);
    }

    @Test
    void configDefaultsAndOptions() {
        WandaConfig c = WandaConfig.of(0.3);
        assertThat(c.matrices()).containsExactly(Matrix.values());
        assertThat(c.calibrationSamples()).isEqualTo(128);
        assertThat(c.structured()).isFalse();
        assertThat(c.mlpOnly().matrices()).containsExactly(Matrix.GATE, Matrix.UP, Matrix.DOWN);
        assertThat(c.withMatrices(List.of(Matrix.O, Matrix.Q, Matrix.O)).matrices()).containsExactly(Matrix.Q, Matrix.O);
        assertThatThrownBy(() -> c.withCalibrationSamples(0)).hasMessageContaining("calibration sample");
        assertThatThrownBy(() -> c.withMatrices(List.of())).hasMessageContaining("at least one matrix");
        assertThat(c.withCalibrationSamples(2).calibration(List.of(
                dev.llmvax.data.Sample.of("a", "b"), dev.llmvax.data.Sample.of("c", "d"),
                dev.llmvax.data.Sample.of("e", "f")))).hasSize(2);
    }
}
