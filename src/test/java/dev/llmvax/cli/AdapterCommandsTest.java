package dev.llmvax.cli;

import static dev.llmvax.cli.CommandsTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code info} and {@code generate} with {@code --adapter}: shown, merged, and refused in one line when bad. */
class AdapterCommandsTest {
    @TempDir
    Path tmp;

    /** A tiny model folder and an adapter for it that records its fingerprint; returns {model, adapter}. */
    private Path[] tinyWithAdapter(boolean recordBase) throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 11);
        Path adapter = tmp.resolve("adapter");
        try (LoadedModel m = ModelLoader.load(model, Precision.F32, new Device(DeviceType.CPU));
             LoraWeights w = LoraWeights.init(m.config(), new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"),
                     false), 5)) {
            try (Scalar s = new Scalar(0.3)) {
                w.pairs().values().forEach(p -> p.b().fill_(s)); // non-zero B: not the identity
            }
            PeftAdapter.Meta meta = recordBase ? PeftAdapter.Meta.of(m)
                    : new PeftAdapter.Meta("tiny", null, Map.of());
            PeftAdapter.write(adapter, false, w, meta, Map.of());
        }
        return new Path[] {model, adapter};
    }

    @Test
    void infoShowsTheAdapter() throws Exception {
        Path[] ma = tinyWithAdapter(true);
        CommandsTest.Run r = run("info", ma[0].toString(), "--adapter", ma[1].toString(), "--dtype", "f32");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("adapter        " + ma[1], "r 4, alpha 8 (scale 2)", "targets q_proj, v_proj",
                "in 4 modules", "896 parameters", "fingerprint bf16-sha256:", "matches MODEL",
                "adapter_model.safetensors");
        CommandsTest.Run json = run("info", ma[0].toString(), "--adapter", ma[1].toString(), "--json");
        assertThat(json.code()).as(json.err()).isZero();
        JsonNode a = new ObjectMapper().readTree(json.out()).get("adapter");
        assertThat(a.get("r").asInt()).isEqualTo(4);
        assertThat(a.get("parameters").asLong()).isEqualTo(2 * (4 * 32 + 32 * 4 + 4 * 32 + 16 * 4));
        assertThat(a.get("base_fingerprint").asText()).startsWith("bf16-sha256:");
    }

    @Test
    void generateMergesTheAdapter() throws Exception {
        Path[] ma = tinyWithAdapter(false);
        CommandsTest.Run plain = run("generate", ma[0].toString(), "--prompt", "hello", "--max-new-tokens", "8",
                "--dtype", "f32");
        CommandsTest.Run adapted = run("generate", ma[0].toString(), "--adapter", ma[1].toString(), "--prompt",
                "hello", "--max-new-tokens", "8", "--dtype", "f32");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(adapted.code()).as(adapted.err()).isZero();
        assertThat(adapted.out()).as("the merged adapter changes the greedy text").isNotEqualTo(plain.out());
    }

    @Test
    void badAdapterFolderIsOneLine() throws Exception {
        Path[] ma = tinyWithAdapter(false);
        Files.delete(ma[1].resolve("adapter_config.json"));
        run("info", ma[0].toString(), "--adapter", ma[1].toString()).isUserError("adapter_config.json",
                "not a PEFT adapter folder");
        run("info", ma[0].toString(), "--adapter", tmp.resolve("nope").toString()).isUserError("nope",
                "no such adapter folder");
    }

    @Test
    void adapterOfAnotherBaseIsRefused() throws Exception {
        Path[] ma = tinyWithAdapter(true);
        Path other = TinyHfFolder.write(tmp.resolve("other"), 12); // same shapes, other weights
        run("generate", other.toString(), "--adapter", ma[1].toString(), "--prompt", "hi")
                .isUserError("different base model", ma[0].toString(), other.toString(), "bf16-sha256:");
    }

    @Test
    void adapterOfAnotherArchitectureIsRefused() throws Exception {
        run("info", SharedData.smolGguf().toString(), "--adapter", tinyWithAdapter(false)[1].toString())
                .isUserError("adapter_model.safetensors", "shape", "expected");
    }
}
