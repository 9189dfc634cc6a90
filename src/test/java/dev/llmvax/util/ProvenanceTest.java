package dev.llmvax.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProvenanceTest {

    @Test
    void ofFillsTheMachineAndSortsInputs() {
        Provenance p = Provenance.of(List.of("purify", "--model", "m"), Map.of("z.bin", "22", "a.bin", "11"));
        assertThat(p.tool()).isEqualTo("llmvax");
        assertThat(p.version()).isEqualTo("dev");
        assertThat(Instant.parse(p.startedAt())).isBeforeOrEqualTo(Instant.now());
        assertThat(p.javaVersion()).startsWith(Runtime.version().toString());
        assertThat(p.os()).contains(System.getProperty("os.arch"));
        assertThat(p.cpu()).isNotBlank();
        assertThat(p.inputsSha256().keySet()).containsExactly("a.bin", "z.bin");
    }

    @Test
    void roundTripsThroughRunJson(@TempDir Path dir) throws IOException {
        Provenance p = Provenance.of(List.of("info", "model"), Map.of("model/model.safetensors", Hashing.sha256(new byte[] {1})));
        Path file = dir.resolve("run.json");
        p.writeJson(file);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json.path("command").get(0).asText()).isEqualTo("info");
        assertThat(json.path("inputsSha256").path("model/model.safetensors").asText()).hasSize(64);
        assertThat(Provenance.readJson(file)).isEqualTo(p);
    }
}
