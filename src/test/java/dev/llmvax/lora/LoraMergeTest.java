package dev.llmvax.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.io.DType;
import dev.llmvax.model.HfExport;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyHfFolder;
import dev.llmvax.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ΔW = scale * B @ A: the dense deltas, merge and unmerge, and a merged model exported and reloaded. */
class LoraMergeTest {
    static final LlamaConfig C = TinyModels.config();
    static final Device CPU = new Device(DeviceType.CPU);

    @TempDir
    Path tmp;

    @Test
    void deltasAreScaleTimesBA() {
        LoraConfig cfg = new LoraConfig(3, 6, 0, List.of("k_proj", "down_proj"), true); // rsLoRA: 6 / sqrt 3
        try (LoraWeights w = RandomLora.of(C, cfg, 4)) {
            Map<String, Tensor> deltas = LoraMerge.deltas(w);
            assertThat(deltas.keySet()).containsExactlyElementsOf(w.pairs().keySet());
            double scale = 6 / Math.sqrt(3);
            deltas.forEach((module, d) -> {
                LoraWeights.Pair p = w.pairs().get(module);
                long out = p.b().size(0);
                long in = p.a().size(1);
                assertThat(Tensors.shape(d)).containsExactly(out, in);
                float[] a = Tensors.toFloats(p.a());
                float[] b = Tensors.toFloats(p.b());
                float[] dv = Tensors.toFloats(d);
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double e = 0;
                        for (int k = 0; k < 3; k++) {
                            e += (double) b[o * 3 + k] * a[(int) (k * in + i)];
                        }
                        assertThat((double) dv[(int) (o * in + i)]).isCloseTo(scale * e, within(1e-5));
                    }
                }
                d.close();
            });
            try (Tensor one = LoraMerge.delta(w, "model.layers.1.mlp.down_proj")) {
                assertThat(Tensors.shape(one)).containsExactly(32, 48);
            }
            assertThat(LoraMerge.delta(w, "model.layers.1.mlp.up_proj")).as("not adapted").isNull();
        }
    }

    @Test
    void unmergeRestoresTheBase() {
        LoraConfig cfg = new LoraConfig(4, 8, 0, List.of("all-linear"), false);
        try (LlamaModel m = TinyModels.model(C, 5, Precision.F32); LoraWeights w = RandomLora.of(C, cfg, 6)) {
            float[] base = LoraTesting.logits(m, LoraTesting.IDS);
            BaseFingerprint fp = BaseFingerprint.of(m);
            LoraMerge.merge(m, w);
            assertThat(LoraTesting.maxAbsDiff(base, LoraTesting.logits(m, LoraTesting.IDS))).isGreaterThan(0.05);
            assertThat(BaseFingerprint.of(m)).isNotEqualTo(fp);
            LoraMerge.unmerge(m, w);
            assertThat(LoraTesting.maxAbsDiff(base, LoraTesting.logits(m, LoraTesting.IDS))).isLessThan(1e-4);
        }
    }

    @Test
    void bf16MergeRoundsTheFloat32SumOnce() {
        LoraConfig cfg = new LoraConfig(2, 4, 0, List.of("q_proj", "gate_proj"), false);
        String module = "model.layers.1.mlp.gate_proj";
        try (LlamaModel bf16 = TinyModels.model(C, 8, Precision.BF16); LoraWeights w = RandomLora.of(C, cfg, 9);
             Tensor delta = LoraMerge.delta(w, module)) {
            float[] w0 = LoraTesting.weight(bf16, module + ".weight");
            float[] d = Tensors.toFloats(delta);
            LoraMerge.merge(bf16, w);
            float[] merged = LoraTesting.weight(bf16, module + ".weight");
            int changed = 0;
            for (int i = 0; i < w0.length; i++) {
                assertThat(merged[i]).as("element %d", i).isEqualTo(roundToBf16(w0[i] + d[i]));
                changed += merged[i] != w0[i] ? 1 : 0;
            }
            assertThat(changed).isGreaterThan(w0.length / 2);
        }
    }

    /** Round to nearest even, as torch's float32 to bfloat16 conversion does (finite values). */
    private static float roundToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }

    @Test
    void aMismatchedAdapterLeavesTheModelUntouched() {
        LlamaConfig wider = LlamaConfig.tiny(64, 32, 2, 4, 2, 40);
        try (LlamaModel m = TinyModels.model(C, 5, Precision.F32);
             LoraWeights w = RandomLora.of(wider, new LoraConfig(2, 2, 0, List.of("q_proj", "up_proj"), false), 1)) {
            BaseFingerprint before = BaseFingerprint.of(m);
            assertThatThrownBy(() -> LoraMerge.merge(m, w)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("model.layers.0.mlp.up_proj", "[48, 32]");
            assertThat(BaseFingerprint.of(m)).isEqualTo(before);
        }
    }

    @Test
    void mergedModelExportedAsHfFolderReloadsToIdenticalLogits() throws Exception {
        Path base = TinyHfFolder.write(tmp.resolve("base"), 12);
        Path out = Files.createDirectories(tmp.resolve("merged"));
        LoraConfig cfg = new LoraConfig(4, 8, 0, List.of("all-linear"), false);
        try (LoadedModel m = ModelLoader.load(base, Precision.F32, CPU);
             LoraWeights w = RandomLora.of(m.config(), cfg, 13)) {
            float[] before = LoraTesting.logits(m.model(), LoraTesting.IDS);
            LoraMerge.merge(m.model(), w);
            float[] merged = LoraTesting.logits(m.model(), LoraTesting.IDS);
            assertThat(LoraTesting.maxAbsDiff(before, merged)).isGreaterThan(0.05);
            HfExport.write(m, out, DType.F32, Map.of());
            try (LoadedModel r = ModelLoader.load(out, Precision.F32, CPU)) {
                assertThat(LoraTesting.logits(r.model(), LoraTesting.IDS)).containsExactly(merged);
                assertThat(BaseFingerprint.of(r)).isEqualTo(BaseFingerprint.of(m));
            }
        }
    }
}
