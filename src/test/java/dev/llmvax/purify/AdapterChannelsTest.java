package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import dev.llmvax.purify.PurifyConfig.Reinit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Adapter mode cutting whole channels: base + widened adapter must be the merged model neutralised as full mode
 * neutralises it, with the base itself left bit for bit as it was.
 */
class AdapterChannelsTest {
    static final LlamaConfig C = NeutraliserTest.C;
    /** q, v and gate adapted; up, down and o (flagged too) not: the widened adapter must add them. */
    static final LoraConfig PARTIAL = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj", "gate_proj"), false);

    @ParameterizedTest
    @EnumSource(Reinit.class)
    void baseAndWidenedAdapterAreTheMergedModelNeutralisedInFullMode(Reinit mode) {
        Signature sig = NeutraliserTest.signature();
        try (LlamaModel full = TinyModels.model(C, 3, Precision.F32);
             LlamaModel base = TinyModels.model(C, 3, Precision.F32);
             LoraWeights lora = PurifyFixtures.randomLora(C, PARTIAL, 5);
             LoraWeights suspicious = lora.copy()) {
            LoraMerge.merge(full, lora);
            Neutraliser.apply(full, sig, mode, 0.5, 11);
            Map<String, float[]> expected = NeutraliserTest.snapshot(full);
            Map<String, float[]> original = NeutraliserTest.snapshot(base);
            try (AdapterChannels ch = AdapterChannels.neutralise(base, suspicious, sig, mode, 0.5, 11);
                 LoraWeights wide = ch.fold(base, suspicious)) {
                assertBitIdentical(NeutraliserTest.snapshot(base), original); // the base is put back
                LoraMerge.merge(base, wide);
                Map<String, float[]> got = NeutraliserTest.snapshot(base);
                expected.forEach((name, e) -> {
                    float[] g = got.get(name);
                    for (int i = 0; i < e.length; i++) {
                        assertThat(g[i]).as("%s %s[%d]", mode, name, i).isCloseTo(e[i], within(1e-5f));
                    }
                });
            }
        }
    }

    @Test
    void theWidenedAdapterKeepsTheRepairedRanksScaleAndAddsTheFlaggedModules() {
        Signature sig = NeutraliserTest.signature();
        try (LlamaModel base = TinyModels.model(C, 3, Precision.F32);
             LoraWeights suspicious = PurifyFixtures.randomLora(C, PARTIAL, 5);
             AdapterChannels ch = AdapterChannels.neutralise(base, suspicious, sig, Reinit.ZERO, 0.5, 1);
             LoraWeights repaired = PurifyFixtures.randomLora(C, PARTIAL, 9); // stands for the repaired adapter
             LoraWeights wide = ch.fold(base, repaired)) {
            // 64 MLP channels per flagged matrix are the most slices (q: 1 head x 32 rows, o: 2 heads x 32 columns)
            assertThat(ch.slices()).isEqualTo(3 * 64 + 32 + 64);
            assertThat(wide.config().r()).isEqualTo(4 + 64);
            assertThat(wide.config().scale()).isCloseTo(PARTIAL.scale(), within(1e-12));
            assertThat(wide.config().targets()).containsExactly("q_proj", "v_proj", "o_proj", "gate_proj",
                    "up_proj", "down_proj");
            LoraWeights.Pair v = wide.get(1, "v_proj"); // adapted, nothing flagged: the repaired ranks, then zeros
            float[] a = Tensors.toFloats(v.a().narrow(0, 0, 4).contiguous());
            assertThat(a).containsExactly(Tensors.toFloats(repaired.get(1, "v_proj").a()));
            assertThat(Tensors.toFloats(v.a().narrow(0, 4, 64).contiguous())).containsOnly(0f);
            assertThat(Tensors.toFloats(v.b().narrow(1, 4, 64).contiguous())).containsOnly(0f);
            LoraWeights.Pair up = wide.get(1, "up_proj"); // not adapted, not flagged in layer 1: all zeros
            assertThat(Tensors.toFloats(up.a())).containsOnly(0f);
            assertThat(Tensors.toFloats(up.b())).containsOnly(0f);
            assertThatThrownBy(() -> ch.fold(base, repaired)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already folded");
        }
    }

    @Test
    void rsLoraKeepsItsScaleAtTheWiderRank() {
        LoraConfig rs = new LoraConfig(4, 8, 0, List.of("gate_proj"), true);
        try (LlamaModel base = TinyModels.model(C, 3, Precision.F32);
             LoraWeights suspicious = PurifyFixtures.randomLora(C, rs, 5);
             AdapterChannels ch = AdapterChannels.neutralise(base, suspicious, NeutraliserTest.signature(),
                     Reinit.ZERO, 0.5, 1);
             LoraWeights wide = ch.fold(base, suspicious)) {
            assertThat(wide.config().rslora()).isTrue();
            assertThat(wide.config().scale()).isCloseTo(rs.scale(), within(1e-12));
        }
    }

    @Test
    void theWidenedAdapterRoundTripsThroughThePeftLayout(@TempDir Path dir) throws java.io.IOException {
        try (LlamaModel base = TinyModels.model(C, 3, Precision.F32);
             LoraWeights suspicious = PurifyFixtures.randomLora(C, PARTIAL, 5);
             AdapterChannels ch = AdapterChannels.neutralise(base, suspicious, NeutraliserTest.signature(),
                     Reinit.MATCHED, 0.5, 1);
             LoraWeights wide = ch.fold(base, suspicious)) {
            PeftAdapter.writeFiles(dir, wide, new PeftAdapter.Meta("tiny", null, Map.of()));
            try (PeftAdapter back = PeftAdapter.read(dir, C)) {
                assertThat(back.weights().config()).isEqualTo(wide.config());
                wide.pairs().forEach((m, p) -> {
                    assertThat(Tensors.toFloats(back.weights().pairs().get(m).a())).as(m)
                            .containsExactly(Tensors.toFloats(p.a()));
                    assertThat(Tensors.toFloats(back.weights().pairs().get(m).b())).as(m)
                            .containsExactly(Tensors.toFloats(p.b()));
                });
            }
        }
    }

    private static void assertBitIdentical(Map<String, float[]> got, Map<String, float[]> expected) {
        expected.forEach((name, e) -> {
            float[] g = got.get(name);
            for (int i = 0; i < e.length; i++) {
                assertThat(Float.floatToRawIntBits(g[i])).as("%s[%d]", name, i)
                        .isEqualTo(Float.floatToRawIntBits(e[i]));
            }
        });
    }
}
