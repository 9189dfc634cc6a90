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
                    adam.step(List.of(p), List.of(g), java.util.Collections.singletonList(null), lr, 1.0);
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
            assertThat((double) got[0]).isCloseTo(ref[0], offset(5e-6)); // float32 arithmetic
            assertThat((double) got[1]).isCloseTo(ref[1], offset(5e-6));
            assertThat(adam.steps()).isEqualTo(3);
        }
    }

    @Test
    void fusedStepTakesBf16GradientsScalesThemAndRefreshesTheCopy() {
        float[] init = new float[300_000]; // several chunks, so the parallel split is exercised
        float[] grad = new float[init.length];
        java.util.Random r = new java.util.Random(3);
        for (int i = 0; i < init.length; i++) {
            init[i] = (float) r.nextGaussian();
            grad[i] = (float) r.nextGaussian();
        }
        var bf16 = org.bytedeco.pytorch.global.torch.ScalarType.BFloat16;
        try (Tensor p = Tensors.fromFloats(init, init.length); Tensor g32 = Tensors.fromFloats(grad, grad.length);
             Tensor g = g32.to(bf16); Tensor copy = p.to(bf16);
             AdamW adam = new AdamW(List.of(p), 0.9, 0.95, 1e-6, 0.1)) {
            float[] gq = Tensors.toFloats(g); // the bf16 values the update must see
            adam.step(List.of(p), List.of(g), List.of(copy), 0.01, 0.5);
            float[] got = Tensors.toFloats(p);
            for (int i = 0; i < init.length; i += 997) {
                double gi = gq[i] * 0.5;
                double m = 0.1 * gi;
                double v = 0.05 * gi * gi;
                double want = init[i] * (1 - 0.01 * 0.1) - 0.01 / 0.1 * m / (Math.sqrt(v) / Math.sqrt(0.05) + 1e-6);
                assertThat((double) got[i]).as("element %d", i).isCloseTo(want, offset(1e-5));
            }
            try (Tensor rounded = p.to(bf16)) {
                assertThat(Tensors.toFloats(copy)).containsExactly(Tensors.toFloats(rounded));
            }
        }
    }

    @Test
    void bf16RoundingMatchesLibtorch() {
        float[] v = {1.0f, 1.00390625f, 1.01171875f, -2.5e-3f, 3.4e38f, Float.MIN_VALUE, 0f, -0f, 65504.5f,
            Float.intBitsToFloat(0x3f808000), Float.intBitsToFloat(0x3f818000), Float.POSITIVE_INFINITY};
        try (Tensor t = Tensors.fromFloats(v, v.length);
             Tensor b = t.to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)) {
            float[] torchValues = Tensors.toFloats(b);
            for (int i = 0; i < v.length; i++) {
                assertThat(Float.intBitsToFloat(CpuLoops.toBf16(v[i]) << 16)).as("%s", v[i]).isEqualTo(torchValues[i]);
            }
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
        try (Tensor a = Tensors.fromFloats(new float[] {3f}, 1); Tensor b = Tensors.fromFloats(new float[] {4f}, 1);
             Tensor h = b.to(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16)) {
            assertThat(Trainer.globalNorm(List.of(a, b))).isCloseTo(5.0, offset(1e-6));
            assertThat(Trainer.globalNorm(List.of(a, h))).isCloseTo(5.0, offset(1e-6));
            assertThat(Trainer.clipScale(5.0, 1.0)).isCloseTo(0.2, offset(1e-6));
            assertThat(Trainer.clipScale(0.5, 1.0)).isEqualTo(1.0);
            assertThat(Trainer.clipScale(5.0, 0)).isEqualTo(1.0);
        }
    }

}
