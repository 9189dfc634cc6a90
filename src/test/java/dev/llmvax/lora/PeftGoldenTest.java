package dev.llmvax.lora;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.model.GoldenChecks;
import dev.llmvax.model.Precision;
import dev.llmvax.util.Hashing;
import java.nio.file.Path;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An adapter written by peft (r 4, alpha 8, q/v/gate/up/down, lora_B non-zero) merged into the bundled GGUF in
 * fp32, against transformers + peft on the same weights (peft-golden.json).
 */
class PeftGoldenTest {
    static JsonNode golden;
    static Path adapterDir;
    static AdaptedModel model;

    @BeforeAll
    static void load() throws Exception {
        Path dir = SharedData.smolGolden();
        golden = new ObjectMapper().readTree(dir.resolve("peft-golden.json").toFile());
        adapterDir = dir.resolve(golden.get("adapter_dir").asText());
        model = AdapterLoading.loadWithAdapter(SharedData.smolGguf(), adapterDir, Precision.F32,
                new Device(DeviceType.CPU));
    }

    @AfterAll
    static void close() {
        if (model != null) {
            model.close();
        }
    }

    @Test
    void adapterFilesAreTheOnesTheGoldenLogitsCameFrom() throws Exception {
        golden.get("adapter_files_sha256").properties().forEach(e -> {
            try {
                assertThat(Hashing.sha256(adapterDir.resolve(e.getKey()))).as(e.getKey())
                        .isEqualTo(e.getValue().asText());
            } catch (java.io.IOException ex) {
                throw new java.io.UncheckedIOException(ex);
            }
        });
    }

    @Test
    void configAsPeftWroteIt() {
        PeftAdapter a = model.adapter().orElseThrow();
        assertThat(a.config().r()).isEqualTo(4);
        assertThat(a.config().alpha()).isEqualTo(8.0);
        assertThat(a.config().scale()).isEqualTo(2.0);
        assertThat(a.config().targets()).containsExactly("q_proj", "v_proj", "gate_proj", "up_proj", "down_proj");
        assertThat(a.weights().pairs()).hasSize(30 * 5);
        assertThat(a.baseModel()).isEqualTo("HuggingFaceTB/SmolLM2-135M-Instruct");
        assertThat(a.baseFingerprint()).as("peft records no llmvax fingerprint").isEmpty();
        assertThat(a.storedDtypes()).containsEntry("F32", 300);
    }

    @Test
    void logitsMatchTransformersWithPeft() {
        GoldenChecks.logits(model.loaded(), golden.get("cases"));
    }
}
