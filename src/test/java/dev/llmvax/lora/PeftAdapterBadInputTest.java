package dev.llmvax.lora;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.io.ModelFormatException;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters that must be refused, each with a message that names the file and the problem. */
class PeftAdapterBadInputTest {
    static final LlamaConfig C = TinyModels.config();
    static final LoraConfig CFG = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj", "up_proj"), false);

    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void goodAdapter() throws Exception {
        dir = write(C, CFG, tmp.resolve("adapter"));
    }

    private static Path write(LlamaConfig model, LoraConfig cfg, Path out) throws Exception {
        try (LoraWeights w = RandomLora.of(model, cfg, 1)) {
            return PeftAdapter.write(out, false, w, new PeftAdapter.Meta("tiny", null, Map.of()), Map.of());
        }
    }

    private AbstractThrowableAssert<?, ? extends Throwable> refused(Path adapter) {
        return assertThatThrownBy(() -> PeftAdapter.read(adapter, C).close())
                .isInstanceOf(ModelFormatException.class);
    }

    @Test
    void theGoodOneLoads() {
        PeftAdapter.read(dir, C).close();
    }

    @Test
    void missingFolderOrFile() throws Exception {
        refused(tmp.resolve("nope")).hasMessageContaining("nope", "no such adapter folder");
        Files.writeString(tmp.resolve("file"), "x");
        refused(tmp.resolve("file")).hasMessageContaining("not a folder");
    }

    @Test
    void missingConfig() throws Exception {
        Files.delete(dir.resolve("adapter_config.json"));
        refused(dir).hasMessageContaining("adapter_config.json", "not a PEFT adapter folder");
    }

    @Test
    void malformedConfig() throws Exception {
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": ");
        refused(dir).hasMessageContaining("adapter_config.json", "not valid JSON");
    }

    @Test
    void missingWeights() throws Exception {
        Files.delete(dir.resolve("adapter_model.safetensors"));
        refused(dir).hasMessageContaining("adapter_model.safetensors", "missing");
    }

    @Test
    void pickleWeightsAreRefused() throws Exception {
        Files.delete(dir.resolve("adapter_model.safetensors"));
        Files.write(dir.resolve("adapter_model.bin"), new byte[] {(byte) 0x80, 2});
        refused(dir).hasMessageContaining("adapter_model.bin", "pickle", "adapter_model.safetensors");
    }

    @Test
    void notLora() throws Exception {
        LoraTesting.editConfig(dir, o -> o.put("peft_type", "IA3"));
        refused(dir).hasMessageContaining("adapter_config.json", "peft_type is 'IA3'", "LoRA");
        LoraTesting.editConfig(dir, o -> o.remove("peft_type"));
        refused(dir).hasMessageContaining("no 'peft_type'");
    }

    @Test
    void dora() throws Exception {
        LoraTesting.editConfig(dir, o -> o.put("use_dora", true));
        refused(dir).hasMessageContaining("adapter_config.json", "DoRA", "use_dora");
    }

    @Test
    void doraMagnitudeTensorWithoutTheFlag() {
        LoraTesting.rewrite(dir.resolve("adapter_model.safetensors"), e -> {
            List<SafetensorsWriter.TensorEntry> out = new ArrayList<>(e);
            out.add(SafetensorsWriter.f32("base_model.model.model.layers.0.self_attn.q_proj.lora_magnitude_vector",
                    new long[] {32}, new float[32]));
            return out;
        });
        refused(dir).hasMessageContaining("lora_magnitude_vector", "DoRA");
    }

    @Test
    void otherUnsupportedFeatures() throws Exception {
        LoraTesting.editConfig(dir, o -> o.putArray("modules_to_save").add("lm_head"));
        refused(dir).hasMessageContaining("modules_to_save", "lm_head");
        LoraTesting.editConfig(dir, o -> {
            o.putNull("modules_to_save");
            o.putObject("rank_pattern").put("q_proj", 8);
        });
        refused(dir).hasMessageContaining("rank_pattern");
        LoraTesting.editConfig(dir, o -> {
            o.putObject("rank_pattern");
            o.put("bias", "lora_only");
        });
        refused(dir).hasMessageContaining("bias is 'lora_only'");
        LoraTesting.editConfig(dir, o -> {
            o.put("bias", "none");
            o.put("task_type", "SEQ_CLS");
        });
        refused(dir).hasMessageContaining("task_type is 'SEQ_CLS'");
        LoraTesting.editConfig(dir, o -> {
            o.put("task_type", "CAUSAL_LM");
            o.put("init_lora_weights", "pissa_niter_4");
        });
        refused(dir).hasMessageContaining("init_lora_weights is 'pissa_niter_4'", "modified base");
        LoraTesting.editConfig(dir, o -> o.put("init_lora_weights", "gaussian"));
        PeftAdapter.read(dir, C).close(); // an initialisation that leaves the base alone is fine
    }

    @Test
    void targetThatNoLlamaHas() throws Exception {
        LoraTesting.editConfig(dir, o -> o.putArray("target_modules").add("q_proj").add("c_attn"));
        refused(dir).hasMessageContaining("'c_attn'", "matches no linear module");
    }

    @Test
    void shapeMismatch() throws Exception {
        Path other = write(LlamaConfig.tiny(64, 32, 2, 4, 2, 40), CFG, tmp.resolve("other-mlp"));
        refused(other).hasMessageContaining("adapter_model.safetensors",
                "base_model.model.model.layers.0.mlp.up_proj.lora_B.weight", "shape [40, 4]", "expected [48, 4]",
                "lora_B is (out, r)");
    }

    @Test
    void rankThatDisagreesWithTheConfig() throws Exception {
        LoraTesting.editConfig(dir, o -> o.put("r", 8));
        refused(dir).hasMessageContaining("lora_A.weight", "shape [4, 32]", "expected [8, 32]");
    }

    @Test
    void moduleTheModelDoesNotHave() throws Exception {
        Path deeper = write(LlamaConfig.tiny(64, 32, 3, 4, 2, 48), CFG, tmp.resolve("deeper"));
        refused(deeper).hasMessageContaining("names module model.layers.2.", "does not have", "0..1");
        LoraTesting.rewrite(dir.resolve("adapter_model.safetensors"), e -> {
            List<SafetensorsWriter.TensorEntry> out = new ArrayList<>(e);
            out.add(SafetensorsWriter.f32("base_model.model.lm_head.lora_A.weight", new long[] {4, 32},
                    new float[128]));
            return out;
        });
        refused(dir).hasMessageContaining("base_model.model.lm_head.lora_A.weight", "module lm_head");
    }

    @Test
    void tensorNotALoraFactor() {
        LoraTesting.rewrite(dir.resolve("adapter_model.safetensors"), e -> e.stream().map(t -> t.name()
                .equals("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")
                ? new SafetensorsWriter.TensorEntry("base_model.model.model.layers.0.self_attn.q_proj.lora_A.default"
                + ".weight", t.dtype(), t.shape(), t.data()) : t).toList());
        refused(dir).hasMessageContaining("lora_A.default.weight", "not a LoRA factor", "adapter name");
    }

    @Test
    void tensorForAModuleTheConfigDoesNotTarget() throws Exception {
        LoraTesting.editConfig(dir, o -> o.putArray("target_modules").add("q_proj").add("up_proj"));
        refused(dir).hasMessageContaining("self_attn.v_proj", "does not target");
    }

    @Test
    void missingFactor() {
        LoraTesting.rewrite(dir.resolve("adapter_model.safetensors"), e -> e.stream()
                .filter(t -> !t.name().equals("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight")).toList());
        refused(dir).hasMessageContaining("no base_model.model.model.layers.1.mlp.up_proj.lora_B.weight",
                "incomplete");
    }

    @Test
    void nonFiniteValues() {
        LoraTesting.rewrite(dir.resolve("adapter_model.safetensors"), e -> e.stream().map(t -> {
            if (!t.name().equals("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")) {
                return t;
            }
            float[] v = new float[(int) t.elements()];
            v[3] = Float.NaN;
            return SafetensorsWriter.f32(t.name(), t.shape(), v);
        }).toList());
        refused(dir).hasMessageContaining("v_proj.lora_B.weight", "NaN");
    }

    @Test
    void integerTensors() throws Exception {
        String header = "{\"base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight\":"
                + "{\"dtype\":\"I32\",\"shape\":[4,32],\"data_offsets\":[0,512]}}";
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + header.length() + 512)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length()).put(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        Files.write(dir.resolve("adapter_model.safetensors"), b.array());
        refused(dir).hasMessageContaining("adapter_model.safetensors", "I32");
    }

    @Test
    void wrongBaseFingerprintNamesBoth() throws Exception {
        Path recorded = tmp.resolve("recorded");
        try (LlamaModel trainedOn = TinyModels.model(C, 1, Precision.F32);
             LlamaModel other = TinyModels.model(C, 2, Precision.F32);
             LoraWeights w = RandomLora.of(C, CFG, 1)) {
            BaseFingerprint fa = BaseFingerprint.of(trainedOn);
            BaseFingerprint fb = BaseFingerprint.of(other);
            PeftAdapter.write(recorded, false, w, new PeftAdapter.Meta("tiny-a", fa, Map.of()), Map.of());
            try (PeftAdapter a = PeftAdapter.read(recorded, C)) {
                a.checkBase(fa, "tiny-a"); // the right base passes
                assertThatThrownBy(() -> a.checkBase(fb, "tiny-b")).isInstanceOf(ModelFormatException.class)
                        .hasMessageContaining("adapter_model.safetensors", "different base model", fa.value(),
                                "tiny-a", fb.value(), "tiny-b");
            }
        }
        LoraTesting.rewrite(recorded.resolve("adapter_model.safetensors"), e -> e, m -> {
            m.put(PeftAdapter.META_BASE_FINGERPRINT, "sha512:abc");
            return m;
        });
        refused(recorded).hasMessageContaining(PeftAdapter.META_BASE_FINGERPRINT, "newer llmvax");
    }

    @Test
    void writeRefusesANonEmptyFolderAndLeavesItAlone() throws Exception {
        long before = Files.size(dir.resolve("adapter_model.safetensors"));
        assertThatThrownBy(() -> write(C, new LoraConfig(2, 2, 0, List.of("q_proj"), false), dir))
                .hasMessageContaining("exists and is not empty");
        assertThat(Files.size(dir.resolve("adapter_model.safetensors"))).isEqualTo(before);
        try (var files = Files.list(tmp)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("adapter");
        }
    }
}
