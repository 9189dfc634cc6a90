package dev.llmvax.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the real PyTorch reference through {@link TorchReference}: creates the venv once (about a
 * minute and ~1 GB under ~/.cache/llmvax/torchref) and generates 8 tokens at batch 1.
 * Run with {@code mvn -o test -Dtest=TorchReferenceBenchTest -Dllmvax.torchref=true}.
 */
@Tag("bench")
@EnabledIfSystemProperty(named = "llmvax.torchref", matches = "true",
        disabledReason = "needs a torch venv (created once under ~/.cache/llmvax/torchref, ~1 min, ~1 GB);"
                + " run with -Dllmvax.torchref=true")
class TorchReferenceBenchTest {

    @Test
    void generatesWithTheTorchReference() {
        long t0 = System.nanoTime();
        Path venv = TorchReference.ensureVenv(TorchReference.defaultVenvDir(), line -> System.err.println("torchref: " + line));
        long t1 = System.nanoTime();
        List<JsonNode> results = TorchReference.run(venv, TorchReference.script("torch_reference_generate.py"),
                List.of("--batch", "1", "--dtype", "fp32", "--new-tokens", "8"), Duration.ofMinutes(10));
        long t2 = System.nanoTime();
        System.err.printf("torchref: ensureVenv %.1f s, generate run %.1f s, results %s%n",
                (t1 - t0) / 1e9, (t2 - t1) / 1e9, results);

        assertThat(results).hasSize(1);
        JsonNode r = results.getFirst();
        assertThat(r.path("dtype").asText()).isEqualTo("fp32");
        assertThat(r.path("batch").asInt()).isEqualTo(1);
        assertThat(r.path("new_tokens").asInt()).isEqualTo(8);
        assertThat(r.path("decode_tokens_per_s").asDouble()).isPositive();
    }
}
