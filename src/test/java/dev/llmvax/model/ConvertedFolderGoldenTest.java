package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.io.DType;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.TensorInfo;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The folder written from the GGUF has transformers' layout and gives the same outputs. */
class ConvertedFolderGoldenTest {
    @TempDir
    static Path tmp;
    static Path folder;
    static LoadedModel model;
    static JsonNode golden;
    static JsonNode layout;

    @BeforeAll
    static void convert() throws Exception {
        golden = GoldenChecks.golden();
        layout = new ObjectMapper().readTree(SharedData.smolGolden().resolve("hf-layout.json").toFile());
        folder = tmp.resolve("smol-hf");
        java.nio.file.Files.createDirectories(folder);
        Device cpu = new Device(DeviceType.CPU);
        try (LoadedModel gguf = ModelLoader.load(SharedData.smolGguf(), Precision.F32, cpu)) {
            HfExport.write(gguf, folder, DType.F32, Map.of("llmvax_source", "test"));
        }
        model = ModelLoader.load(folder, Precision.F32, cpu);
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void tensorNamesShapesAndDtypesAreTransformers() {
        Map<String, String> expected = new TreeMap<>();
        layout.get("tensors").properties().forEach(e ->
                expected.put(e.getKey(), e.getValue().get("dtype").asText() + e.getValue().get("shape")));
        Map<String, String> actual = new TreeMap<>();
        try (SafetensorsFile sf = SafetensorsFile.open(folder.resolve("model.safetensors"))) {
            for (TensorInfo t : sf.tensors().values()) {
                actual.put(t.name(), t.dtype().safetensorsName()
                        + Arrays.toString(t.shape()).replace(" ", ""));
            }
            assertThat(sf.metadata()).containsEntry("format", "pt");
        }
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void configHasTransformersKeysAndTopLevelRopeTheta() throws Exception {
        JsonNode written = new ObjectMapper().readTree(folder.resolve("config.json").toFile());
        layout.get("config").properties().forEach(e -> {
            assertThat(written.has(e.getKey())).as("config.json key %s", e.getKey()).isTrue();
            if (!e.getKey().equals("transformers_version")) {
                assertThat(written.get(e.getKey())).as("config.json %s", e.getKey()).isEqualTo(e.getValue());
            }
        });
        assertThat(written.get("rope_theta").asDouble()).isEqualTo(100000.0);
        JsonNode gen = new ObjectMapper().readTree(folder.resolve("generation_config.json").toFile());
        layout.get("generation_config").properties().forEach(e -> {
            if (!e.getKey().equals("transformers_version")) {
                assertThat(gen.get(e.getKey())).as("generation_config %s", e.getKey()).isEqualTo(e.getValue());
            }
        });
    }

    @Test
    void tokenizerAndTemplateTravel() {
        GoldenChecks.tokenizer(model, golden);
        assertThat(model.chatTemplate()).isPresent();
    }

    @Test
    void logitsMatchWithinTolerance() {
        GoldenChecks.logits(model, golden.get("cases"));
    }

    @Test
    void greedyContinuationsIdentical() {
        GoldenChecks.greedy(model, golden.get("cases"));
    }
}
