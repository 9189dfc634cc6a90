package dev.llmvax.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT's folder layout: what llmvax writes reads back identically, and what PEFT writes loads. */
class PeftAdapterTest {
    static final LlamaConfig C = TinyModels.config();

    @TempDir
    Path tmp;

    @Test
    void writtenAdapterReadsBackToIdenticalTensorsAndLogits() throws Exception {
        LoraConfig cfg = new LoraConfig(4, 8, 0.05, List.of("all-linear"), false);
        Path out = tmp.resolve("adapter");
        try (LlamaModel a = TinyModels.model(C, 3, Precision.F32); LlamaModel b = TinyModels.model(C, 3, Precision.F32);
             LoraWeights w = RandomLora.of(C, cfg, 7)) {
            BaseFingerprint fp = BaseFingerprint.of(a);
            PeftAdapter.write(out, false, w, new PeftAdapter.Meta("tiny-base", fp, Map.of("llmvax_run", "test")),
                    Map.of("README.md", p -> Files.writeString(p, "# card\n")));
            assertThat(out.resolve("README.md")).hasContent("# card");
            try (PeftAdapter r = PeftAdapter.read(out, C)) {
                assertThat(r.config()).isEqualTo(cfg);
                assertThat(r.baseModel()).isEqualTo("tiny-base");
                assertThat(r.baseFingerprint()).contains(fp);
                assertThat(r.weights().pairs().keySet()).containsExactlyElementsOf(w.pairs().keySet());
                assertThat(r.weights().parameterCount()).isEqualTo(w.parameterCount()).isPositive();
                w.pairs().forEach((module, p) -> {
                    assertThat(r.weights().pairs().get(module).a().equal(p.a())).as("A of %s", module).isTrue();
                    assertThat(r.weights().pairs().get(module).b().equal(p.b())).as("B of %s", module).isTrue();
                });
                float[] base = LoraTesting.logits(a, LoraTesting.IDS);
                LoraMerge.merge(a, w);
                LoraMerge.merge(b, r.weights());
                float[] la = LoraTesting.logits(a, LoraTesting.IDS);
                assertThat(LoraTesting.logits(b, LoraTesting.IDS)).containsExactly(la);
                assertThat(LoraTesting.maxAbsDiff(base, la)).as("the adapter changes the logits").isGreaterThan(0.05);
            }
        }
    }

    @Test
    void writtenFilesHavePeftsNamesKeysAndMetadata() throws Exception {
        LoraConfig cfg = new LoraConfig(2, 16, 0, List.of("q_proj", "v_proj", "down_proj"), true);
        Path out = tmp.resolve("adapter");
        try (LoraWeights w = RandomLora.of(C, cfg, 1)) {
            PeftAdapter.write(out, false, w, new PeftAdapter.Meta("HuggingFaceTB/base", null, Map.of()), Map.of());
        }
        JsonNode ours = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        JsonNode peft = new ObjectMapper().readTree(SharedData.smolGolden()
                .resolve("peft-adapter-r4/adapter_config.json").toFile());
        Set<String> peftKeys = new HashSet<>();
        peft.fieldNames().forEachRemaining(peftKeys::add);
        List<String> ourKeys = new ArrayList<>();
        ours.fieldNames().forEachRemaining(ourKeys::add);
        assertThat(ourKeys).as("every key peft writes, sorted as peft sorts them")
                .containsExactlyInAnyOrderElementsOf(peftKeys).isSorted();
        assertThat(ours.get("peft_type").asText()).isEqualTo("LORA");
        assertThat(ours.get("task_type").asText()).isEqualTo("CAUSAL_LM");
        assertThat(ours.get("r").asInt()).isEqualTo(2);
        assertThat(ours.get("lora_alpha").isIntegralNumber()).as("alpha written as peft writes an int").isTrue();
        assertThat(ours.get("lora_alpha").asInt()).isEqualTo(16);
        assertThat(ours.get("use_rslora").asBoolean()).isTrue();
        assertThat(ours.get("use_dora").asBoolean()).isFalse();
        assertThat(ours.get("bias").asText()).isEqualTo("none");
        assertThat(ours.get("fan_in_fan_out").asBoolean()).isFalse();
        assertThat(ours.get("inference_mode").asBoolean()).isTrue();
        assertThat(ours.get("modules_to_save").isNull()).isTrue();
        assertThat(ours.get("rank_pattern").isEmpty()).isTrue();
        assertThat(ours.get("base_model_name_or_path").asText()).isEqualTo("HuggingFaceTB/base");
        assertThat(ours.get("target_modules")).extracting(JsonNode::asText)
                .containsExactly("q_proj", "v_proj", "down_proj");
        peft.properties().forEach(e -> assertThat(ours.get(e.getKey()).getNodeType()).as("type of %s", e.getKey())
                .isIn(e.getValue().getNodeType(), com.fasterxml.jackson.databind.node.JsonNodeType.NULL,
                        com.fasterxml.jackson.databind.node.JsonNodeType.NUMBER));
        try (SafetensorsFile sf = SafetensorsFile.open(out.resolve("adapter_model.safetensors"))) {
            assertThat(sf.metadata()).containsEntry("format", "pt").doesNotContainKey("llmvax_base_fingerprint");
            assertThat(sf.tensors()).hasSize(2 * 3 * 2);
            assertThat(sf.tensors().keySet()).allMatch(n -> n.matches(
                    "base_model\\.model\\.model\\.layers\\.[01]\\.(self_attn\\.[qv]_proj|mlp\\.down_proj)"
                            + "\\.lora_[AB]\\.weight"), "PEFT's tensor names");
            assertThat(sf.tensors().get("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape())
                    .containsExactly(2, 48);
            assertThat(sf.tensors().get("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight").shape())
                    .containsExactly(32, 2);
        }
    }

    /**
     * A folder laid out exactly as peft writes one, with F16 A and BF16 B (values exact in both), loads; the
     * merged weights equal W + (alpha / r) B A computed here in plain Java.
     */
    @Test
    void folderAsPeftWritesItLoadsAndMergesAsComputedByHand() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("peft"));
        Files.writeString(dir.resolve("adapter_config.json"), """
                {
                  "alpha_pattern": {},
                  "auto_mapping": null,
                  "base_model_name_or_path": "tiny/llama",
                  "bias": "none",
                  "corda_config": null,
                  "eva_config": null,
                  "exclude_modules": null,
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "init_lora_weights": true,
                  "layer_replication": null,
                  "layers_pattern": null,
                  "layers_to_transform": null,
                  "loftq_config": {},
                  "lora_alpha": 4,
                  "lora_bias": false,
                  "lora_dropout": 0.1,
                  "megatron_config": null,
                  "megatron_core": "megatron.core",
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 2,
                  "rank_pattern": {},
                  "revision": null,
                  "target_modules": [
                    "up_proj",
                    "k_proj"
                  ],
                  "task_type": "CAUSAL_LM",
                  "trainable_token_indices": null,
                  "use_dora": false,
                  "use_rslora": false,
                  "a_key_from_a_future_peft": {"x": 1}
                }
                """);
        int r = 2;
        double scale = 4.0 / 2;
        List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
        java.util.Map<String, float[][]> factors = new java.util.HashMap<>();
        java.util.Random rnd = new java.util.Random(5);
        for (int l = 0; l < 2; l++) {
            for (String m : List.of("k_proj", "up_proj")) {
                int[] oi = LoraConfig.shapeOf(C, m);
                float[] a = exact(rnd, r * oi[1]);
                float[] b = exact(rnd, oi[0] * r);
                String name = "base_model.model." + LoraConfig.modulePath(l, m);
                entries.add(SafetensorsWriter.f16(name + ".lora_A.weight", new long[] {r, oi[1]}, a));
                entries.add(SafetensorsWriter.bf16(name + ".lora_B.weight", new long[] {oi[0], r}, b));
                factors.put(LoraConfig.modulePath(l, m), new float[][] {a, b});
            }
        }
        SafetensorsWriter.write(dir.resolve("adapter_model.safetensors"), Map.of("format", "pt"), entries);

        try (PeftAdapter adapter = PeftAdapter.read(dir, C); LlamaModel m = TinyModels.model(C, 9, Precision.F32)) {
            assertThat(adapter.config()).isEqualTo(new LoraConfig(r, 4, 0.1, List.of("k_proj", "up_proj"), false));
            assertThat(adapter.baseModel()).isEqualTo("tiny/llama");
            assertThat(adapter.baseFingerprint()).isEmpty();
            assertThat(adapter.storedDtypes()).containsEntry("F16", 4).containsEntry("BF16", 4);
            Map<String, float[]> before = new java.util.HashMap<>();
            factors.keySet().forEach(k -> before.put(k, LoraTesting.weight(m, k + ".weight")));
            LoraMerge.merge(m, adapter.weights());
            factors.forEach((module, ab) -> {
                int[] oi = LoraConfig.shapeOf(C, module.substring(module.lastIndexOf('.') + 1));
                float[] w0 = before.get(module);
                float[] w1 = LoraTesting.weight(m, module + ".weight");
                for (int o = 0; o < oi[0]; o++) {
                    for (int i = 0; i < oi[1]; i++) {
                        double d = 0;
                        for (int k = 0; k < r; k++) {
                            d += (double) ab[1][o * r + k] * ab[0][k * oi[1] + i];
                        }
                        assertThat((double) w1[o * oi[1] + i]).as("%s[%d, %d]", module, o, i)
                                .isCloseTo(w0[o * oi[1] + i] + scale * d, within(1e-5));
                    }
                }
            });
            // the modules the adapter does not target are untouched
            assertThat(LoraTesting.weight(m, "model.layers.0.self_attn.q_proj.weight"))
                    .containsExactly(weightOf(9, "model.layers.0.self_attn.q_proj.weight"));
            assertThat(LoraTesting.weight(m, "model.layers.1.mlp.gate_proj.weight"))
                    .containsExactly(weightOf(9, "model.layers.1.mlp.gate_proj.weight"));
        }
    }

    @Test
    void regexTargetsAndLayersToTransformFollowPeft() throws Exception {
        LoraConfig cfg = new LoraConfig(2, 2, 0, List.of("o_proj"), false);
        Path out = tmp.resolve("a");
        try (LoraWeights w = RandomLora.of(C, cfg, 2)) {
            PeftAdapter.write(out, false, w, new PeftAdapter.Meta(null, null, Map.of()), Map.of());
        }
        // a string is a regular expression matched against the whole module path
        LoraTesting.editConfig(out, o -> o.put("target_modules", "model\\.layers\\.\\d+\\.self_attn\\.o_proj"));
        try (PeftAdapter a = PeftAdapter.read(out, C)) {
            assertThat(a.weights().pairs()).hasSize(2);
            assertThat(a.config().targets()).containsExactly("o_proj");
        }
        LoraTesting.editConfig(out, o -> o.put("target_modules", "model\\.layers\\.\\d+\\.self_attn"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PeftAdapter.read(out, C))
                .hasMessageContaining("selects no module");
        // only layer 1: the file's layer-0 tensors are then not targeted
        LoraTesting.editConfig(out, o -> {
            o.putArray("target_modules").add("o_proj");
            o.putArray("layers_to_transform").add(1);
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PeftAdapter.read(out, C))
                .hasMessageContaining("model.layers.0.self_attn.o_proj", "does not target");
        LoraTesting.rewrite(out.resolve("adapter_model.safetensors"),
                e -> e.stream().filter(t -> t.name().contains("layers.1.")).toList());
        try (PeftAdapter a = PeftAdapter.read(out, C)) {
            assertThat(a.weights().pairs().keySet()).containsExactly("model.layers.1.self_attn.o_proj");
        }
    }

    private static float[] weightOf(long seed, String name) {
        try (LlamaModel m = TinyModels.model(C, seed, Precision.F32)) {
            return LoraTesting.weight(m, name);
        }
    }

    /** Random multiples of 1/64 in [-1, 1]: exact in f16 and bf16. */
    private static float[] exact(java.util.Random rnd, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (rnd.nextInt(129) - 64) / 64f;
        }
        return f;
    }
}
