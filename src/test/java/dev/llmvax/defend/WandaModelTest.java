package dev.llmvax.defend;

import static dev.llmvax.defend.DefendFixtures.C;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import dev.llmvax.purify.Matrix;
import dev.llmvax.purify.MatrixId;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Wanda on a tiny random model: the requested sparsity, whole units when structured, nothing else touched. */
class WandaModelTest {
    static final List<int[]> ROWS = DefendFixtures.rows(7, 6, 20, C.vocabSize());

    static boolean isPruned(String name, List<Matrix> matrices) {
        return matrices.stream().anyMatch(m -> name.endsWith("." + m.module() + ".weight"));
    }

    static long zeros(float[] v) {
        return IntStream.range(0, v.length).filter(i -> v[i] == 0f).count();
    }

    @Test
    void unstructuredReachesTheRequestedSparsityInEveryRowOfEveryMatrix() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            ActivationNorms norms = ActivationNorms.collect(m, ROWS, n -> { });
            Map<String, float[]> before = DefendFixtures.snapshot(m);
            WandaResult r = Wanda.prune(m, norms, WandaConfig.of(0.5));
            Map<String, float[]> after = DefendFixtures.snapshot(m);

            assertThat(r.sparsity()).isEqualTo(0.5);
            assertThat(r.pruned().keySet()).containsExactly(Matrix.values());
            assertThat(r.pruned().get(Matrix.DOWN)).isEqualTo(2L * 32 * 32); // 2 layers, 32 rows, 32 of 64 columns
            assertThat(r.calibrationRows()).isEqualTo(ROWS.size());
            for (String name : before.keySet()) {
                if (!isPruned(name, List.of(Matrix.values()))) {
                    assertThat(after.get(name)).as(name).containsExactly(before.get(name));
                    continue;
                }
                Matrix mat = Arrays.stream(Matrix.values()).filter(x -> name.contains(x.module())).findFirst()
                        .orElseThrow();
                int in = (int) mat.shape(C)[1];
                float[] a = after.get(name);
                for (int row = 0; row < a.length / in; row++) {
                    assertThat(zeros(Arrays.copyOfRange(a, row * in, (row + 1) * in))).as(name + " row " + row)
                            .isEqualTo(in / 2);
                }
                for (int i = 0; i < a.length; i++) {
                    if (a[i] != 0) {
                        assertThat(a[i]).isEqualTo(before.get(name)[i]); // survivors keep their value
                    }
                }
            }
        }
    }

    @Test
    void structuredZeroesTheLowestScoringWholeChannels() {
        try (LlamaModel m = TinyModels.model(C, 4, Precision.F32)) {
            ActivationNorms norms = ActivationNorms.collect(m, ROWS, n -> { });
            Map<String, float[]> before = DefendFixtures.snapshot(m);
            WandaResult r = Wanda.prune(m, norms, WandaConfig.of(0.25).withStructured(true).mlpOnly());
            Map<String, float[]> after = DefendFixtures.snapshot(m);

            assertThat(r.sparsity()).isEqualTo(0.25); // 16 of 64 channels, whole rows or columns
            assertThat(r.pruned().keySet()).containsExactly(Matrix.GATE, Matrix.UP, Matrix.DOWN);
            for (int l = 0; l < C.numLayers(); l++) {
                for (Matrix mat : Matrix.MLP) {
                    MatrixId id = new MatrixId(l, mat);
                    double[] score = channelScores(before.get(id.weightName()), norms.norms(id), mat);
                    float[] a = after.get(id.weightName());
                    double maxGone = Double.NEGATIVE_INFINITY;
                    double minKept = Double.POSITIVE_INFINITY;
                    int gone = 0;
                    for (int ch = 0; ch < 64; ch++) {
                        long z = zeros(channel(a, mat, ch));
                        assertThat(z).as(id + " channel " + ch + " is kept or removed whole").isIn(0L, 32L);
                        if (z == 32) {
                            gone++;
                            maxGone = Math.max(maxGone, score[ch]);
                        } else {
                            minKept = Math.min(minKept, score[ch]);
                        }
                    }
                    assertThat(gone).as(id.toString()).isEqualTo(16);
                    // float32 sums on the torch side: allow their rounding at the boundary
                    assertThat(maxGone).as(id + ": removed channels score lowest").isLessThanOrEqualTo(minKept * (1 + 1e-5));
                }
            }
            before.keySet().stream().filter(n -> !isPruned(n, Matrix.MLP))
                    .forEach(n -> assertThat(after.get(n)).as(n).containsExactly(before.get(n)));
        }
    }

    @Test
    void structuredAttentionRemovesWholeHeads() {
        try (LlamaModel m = TinyModels.model(C, 5, Precision.F32)) {
            ActivationNorms norms = ActivationNorms.collect(m, ROWS, n -> { });
            WandaResult r = Wanda.prune(m, norms, WandaConfig.of(0.5).withStructured(true)
                    .withMatrices(List.of(Matrix.Q, Matrix.O)));
            assertThat(r.pruned().get(Matrix.Q)).isEqualTo(2L * 2 * 8 * 32); // 2 layers, 2 of 4 heads of 8 rows
            float[] q = DefendFixtures.snapshot(m).get("model.layers.0.self_attn.q_proj.weight"); // (32, 32)
            int zeroRows = 0;
            for (int row = 0; row < 32; row++) {
                long z = zeros(Arrays.copyOfRange(q, row * 32, row * 32 + 32));
                assertThat(z).isIn(0L, 32L);
                zeroRows += z == 32 ? 1 : 0;
                assertThat(z).as("row %d goes with its head", row)
                        .isEqualTo(zeros(Arrays.copyOfRange(q, (row / 8 * 8) * 32, (row / 8 * 8) * 32 + 32)));
            }
            assertThat(zeroRows).isEqualTo(16);
        }
    }

    @Test
    void bf16WeightsArePrunedToo() {
        try (LlamaModel m = TinyModels.model(C, 6, Precision.BF16)) {
            ActivationNorms norms = ActivationNorms.collect(m, ROWS, n -> { });
            WandaResult r = Wanda.prune(m, norms, WandaConfig.of(0.75).mlpOnly());
            assertThat(r.sparsity()).isEqualTo(0.75);
            float[] up = DefendFixtures.snapshot(m).get("model.layers.1.mlp.up_proj.weight");
            assertThat(zeros(up)).isEqualTo(64 * 24);
        }
    }

    @Test
    void normsOfAnotherModelAreRejectedBeforeAnythingChanges() {
        LlamaConfig wider = LlamaConfig.tiny(64, 32, 2, 4, 2, 96);
        ActivationNorms norms;
        try (LlamaModel other = TinyModels.model(wider, 1, Precision.F32)) {
            norms = ActivationNorms.collect(other, ROWS, n -> { });
        }
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            Map<String, float[]> before = DefendFixtures.snapshot(m);
            assertThatThrownBy(() -> Wanda.prune(m, norms, WandaConfig.of(0.5)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("mlp.down_proj").hasMessageContaining("96 features");
            Map<String, float[]> after = DefendFixtures.snapshot(m);
            before.forEach((n, v) -> assertThat(after.get(n)).as(n).containsExactly(v));
        }
    }

    /** The values of MLP channel {@code ch}: a row of gate/up (64, 32), a column of down (32, 64). */
    static float[] channel(float[] w, Matrix m, int ch) {
        float[] out = new float[32];
        for (int i = 0; i < 32; i++) {
            out[i] = m == Matrix.DOWN ? w[i * 64 + ch] : w[ch * 32 + i];
        }
        return out;
    }

    /** Σ |W_ij|·||X_j|| over each MLP channel, computed here in double. */
    static double[] channelScores(float[] w, float[] norms, Matrix m) {
        double[] score = new double[64];
        for (int ch = 0; ch < 64; ch++) {
            float[] v = channel(w, m, ch);
            for (int i = 0; i < 32; i++) {
                score[ch] += Math.abs(v[i]) * (double) norms[m == Matrix.DOWN ? ch : i];
            }
        }
        return score;
    }
}
