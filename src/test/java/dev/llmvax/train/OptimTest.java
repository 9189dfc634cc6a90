package dev.llmvax.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import dev.llmvax.model.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class OptimTest {
    @Test
    void adamwMatchesHandComputedUpdates() {
        double lr = 0.1;
        double wd = 0.01;
        try (Tensor p = Tensors.fromFloats(new float[] {1f, -2f}, 2);
             AdamW adam = new AdamW(List.of(p), 0.9, 0.999, 1e-8, wd)) {
            double[] ref = {1, -2};
            double[] m = new double[2];
            double[] v = new double[2];
            float[][] grads = {{0.5f, -1f}, {0.25f, 2f}, {-1f, 0.1f}};
            for (int s = 1; s <= grads.length; s++) {
                try (Tensor g = Tensors.fromFloats(grads[s - 1], 2)) {
                    adam.step(List.of(p), List.of(g), lr);
                }
                for (int i = 0; i < 2; i++) {
                    ref[i] *= 1 - lr * wd;
                    m[i] = 0.9 * m[i] + 0.1 * grads[s - 1][i];
                    v[i] = 0.999 * v[i] + 0.001 * grads[s - 1][i] * grads[s - 1][i];
                    double mh = m[i] / (1 - Math.pow(0.9, s));
                    double vh = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(0.999, s)) + 1e-8;
                    ref[i] -= lr * mh / vh;
                }
            }
            float[] got = Tensors.toFloats(p);
            assertThat((double) got[0]).isCloseTo(ref[0], offset(1e-6));
            assertThat((double) got[1]).isCloseTo(ref[1], offset(1e-6));
            assertThat(adam.steps()).isEqualTo(3);
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysToZero() {
        LrSchedule s = new LrSchedule(1.0, 10, 110);
        assertThat(s.at(0)).isEqualTo(0.0);
        assertThat(s.at(5)).isCloseTo(0.5, offset(1e-12));
        assertThat(s.at(10)).isCloseTo(1.0, offset(1e-12));
        assertThat(s.at(60)).isCloseTo(0.5, offset(1e-12));
        assertThat(s.at(110)).isCloseTo(0.0, offset(1e-12));
        assertThat(new LrSchedule(2e-4, 0, 5).at(0)).isEqualTo(2e-4);
    }

    @Test
    void clippingScalesToTheRequestedGlobalNorm() {
        try (Tensor a = Tensors.fromFloats(new float[] {3f}, 1); Tensor b = Tensors.fromFloats(new float[] {4f}, 1)) {
            assertThat(Trainer.clip(List.of(a, b), 1.0)).isCloseTo(5.0, offset(1e-6));
            assertThat((double) Tensors.toFloats(a)[0]).isCloseTo(0.6, offset(1e-5));
            assertThat((double) Tensors.toFloats(b)[0]).isCloseTo(0.8, offset(1e-5));
        }
    }

}
