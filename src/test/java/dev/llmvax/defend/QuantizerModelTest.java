package dev.llmvax.defend;

import static dev.llmvax.defend.DefendFixtures.C;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import dev.llmvax.purify.Matrix;
import dev.llmvax.purify.MatrixId;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Quantizer.apply changes the seven linear matrices of every layer and nothing else. */
class QuantizerModelTest {
    static Set<String> linearNames(LlamaConfig c) {
        Set<String> names = new TreeSet<>();
        for (int l = 0; l < c.numLayers(); l++) {
            for (Matrix m : Matrix.values()) {
                names.add(new MatrixId(l, m).weightName());
            }
        }
        return names;
    }

    @Test
    void roundsTheLinearWeightsAndNothingElse() {
        for (QuantFormat f : QuantFormat.values()) {
            try (LlamaModel m = TinyModels.model(C, 8, Precision.F32)) {
                Map<String, float[]> before = DefendFixtures.snapshot(m);
                QuantResult r = Quantizer.apply(m, f);
                Map<String, float[]> after = DefendFixtures.snapshot(m);

                Set<String> linear = linearNames(C);
                assertThat(r.format()).isEqualTo(f);
                assertThat(r.matrices()).isEqualTo(14);
                assertThat(r.parameters()).isEqualTo(linear.stream().mapToLong(n -> before.get(n).length).sum());
                double maxAbs = 0;
                double sumSq = 0;
                for (String name : before.keySet()) {
                    float[] b = before.get(name);
                    float[] a = after.get(name);
                    if (!linear.contains(name)) {
                        assertThat(a).as(f + " leaves " + name).containsExactly(b);
                        continue;
                    }
                    int changed = 0;
                    for (int i = 0; i < b.length; i++) {
                        double e = Math.abs((double) b[i] - a[i]);
                        changed += e > 0 ? 1 : 0;
                        maxAbs = Math.max(maxAbs, e);
                        sumSq += e * e;
                    }
                    assertThat(changed).as(f + " rounds " + name).isGreaterThan(b.length / 2);
                }
                assertThat(r.maxAbsError()).isEqualTo(maxAbs);
                assertThat(r.rmsError()).isCloseTo(Math.sqrt(sumSq / r.parameters()), within(1e-12));
                // the weights are O(1/sqrt(32)): a Q8_0 step is ~1/127 of a block's max, a Q4_0 step ~1/8
                assertThat(r.maxAbsError()).isLessThan(f == QuantFormat.Q8_0 ? 0.01 : 0.15);
            }
        }
    }

    @Test
    void q4LosesMoreThanQ8() {
        try (LlamaModel a = TinyModels.model(C, 9, Precision.F32); LlamaModel b = TinyModels.model(C, 9, Precision.F32)) {
            assertThat(Quantizer.apply(a, QuantFormat.Q4_0).rmsError())
                    .isGreaterThan(5 * Quantizer.apply(b, QuantFormat.Q8_0).rmsError());
        }
    }

    @Test
    void bf16ModelsAreRoundedInTheirOwnDtype() {
        try (LlamaModel m = TinyModels.model(C, 10, Precision.BF16)) {
            QuantResult r = Quantizer.apply(m, QuantFormat.Q4_0);
            assertThat(r.rmsError()).isPositive();
            assertThat(m.storage().get("layers.0.wGateUpT").scalar_type().intern())
                    .isEqualTo(org.bytedeco.pytorch.global.torch.ScalarType.BFloat16);
        }
    }

    @Test
    void aModelWithAnUnblockableWidthIsRejectedUntouched() {
        LlamaConfig odd = LlamaConfig.tiny(64, 32, 2, 4, 2, 48); // down_proj's input is 48 wide
        try (LlamaModel m = TinyModels.model(odd, 8, Precision.F32)) {
            Map<String, float[]> before = DefendFixtures.snapshot(m);
            assertThatThrownBy(() -> Quantizer.apply(m, QuantFormat.Q8_0)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("down_proj").hasMessageContaining("48");
            Map<String, float[]> after = DefendFixtures.snapshot(m);
            before.forEach((n, v) -> assertThat(after.get(n)).as(n).containsExactly(v));
        }
    }
}
