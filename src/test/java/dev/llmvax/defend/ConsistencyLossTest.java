package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.llmvax.data.Batch;
import dev.llmvax.model.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** {@link CrowObjective#consistencyLoss} against hand computations on toy hidden-state lists. */
class ConsistencyLossTest {
    @Test
    void identicalConsecutiveStatesGiveZero() {
        try (PointerScope scope = new PointerScope()) {
            Tensor h = torch.randn(2, 3, 8);
            Tensor w = torch.full(new long[] {2, 3}, new org.bytedeco.pytorch.Scalar(1.0 / 6));
            double loss = CrowObjective.consistencyLoss(List.of(h, h.clone(), h.clone()), w).item_double();
            assertThat(loss).isCloseTo(0.0, offset(1e-6));
        }
    }

    @Test
    void differentStatesArePositive() {
        try (PointerScope scope = new PointerScope()) {
            Tensor w = torch.full(new long[] {2, 3}, new org.bytedeco.pytorch.Scalar(1.0 / 6));
            double loss = CrowObjective.consistencyLoss(List.of(torch.randn(2, 3, 8), torch.randn(2, 3, 8)), w)
                    .item_double();
            assertThat(loss).isGreaterThan(0.1);
        }
    }

    /** One pair (a 2-layer model): w0 (1 - cos(a0, b0)) + w1 (1 - cos(a1, b1)), cosines worked out by hand. */
    @Test
    void twoLayersEqualTheHandComputation() {
        try (PointerScope scope = new PointerScope()) {
            Tensor h1 = Tensors.fromFloats(new float[] {1, 0, 0, 1, 2, 2}, 1, 2, 3);
            Tensor h2 = Tensors.fromFloats(new float[] {0, 1, 0, 2, 2, 1}, 1, 2, 3);
            Tensor w = Tensors.fromFloats(new float[] {0.25f, 0.75f}, 1, 2);
            // cos([1,0,0],[0,1,0]) = 0; cos([1,2,2],[2,2,1]) = 8 / (3 * 3)
            double want = 0.25 * (1 - 0) + 0.75 * (1 - 8.0 / 9);
            assertThat(CrowObjective.consistencyLoss(List.of(h1, h2), w).item_double()).isCloseTo(want, offset(1e-6));
        }
    }

    /** Several layers: the mean over the L-1 consecutive pairs, and a weight-0 (pad) token counts for nothing. */
    @Test
    void meanOverPairsAndWeightedTokens() {
        Random r = new Random(5);
        int layers = 4;
        int b = 2;
        int t = 3;
        int h = 5;
        float[][] states = new float[layers][b * t * h];
        for (float[] s : states) {
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) r.nextGaussian();
            }
        }
        float[] weights = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0f};
        double want = 0;
        for (int tok = 0; tok < b * t; tok++) {
            double sum = 0;
            for (int l = 0; l + 1 < layers; l++) {
                sum += 1 - cos(states[l], states[l + 1], tok * h, h);
            }
            want += weights[tok] * sum / (layers - 1);
        }
        try (PointerScope scope = new PointerScope()) {
            List<Tensor> list = new ArrayList<>();
            for (float[] s : states) {
                list.add(Tensors.fromFloats(s, b, t, h));
            }
            double got = CrowObjective.consistencyLoss(list, Tensors.fromFloats(weights, b, t)).item_double();
            assertThat(got).isCloseTo(want, offset(1e-6));
            states[layers - 1][b * t * h - 1] += 100; // the pad token's state: no effect
            list.set(layers - 1, Tensors.fromFloats(states[layers - 1], b, t, h));
            assertThat(CrowObjective.consistencyLoss(list, Tensors.fromFloats(weights, b, t)).item_double())
                    .isCloseTo(want, offset(1e-6));
        }
    }

    @Test
    void needsTwoLayerStates() {
        try (PointerScope scope = new PointerScope()) {
            assertThatThrownBy(() -> CrowObjective.consistencyLoss(List.of(torch.randn(1, 2, 3)), torch.ones(1, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 layer states");
        }
    }

    @Test
    void realTokenWeightsAreZeroOnPads() {
        Batch batch = new Batch(2, 3, new long[] {1, 2, 3, 4, 5, 0}, new long[] {-100, 2, 3, -100, 5, -100},
                new int[] {3, 2}, new int[] {0, 1});
        try (PointerScope scope = new PointerScope()) {
            assertThat(Tensors.toFloats(CrowObjective.realTokenWeights(batch, 0.2)))
                    .containsExactly(0.2f, 0.2f, 0.2f, 0.2f, 0.2f, 0f);
        }
    }

    private static double cos(float[] x, float[] y, int from, int n) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int i = from; i < from + n; i++) {
            dot += x[i] * y[i];
            nx += x[i] * x[i];
            ny += y[i] * y[i];
        }
        return dot / Math.sqrt(nx * ny);
    }
}
