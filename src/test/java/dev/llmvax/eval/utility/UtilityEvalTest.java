package dev.llmvax.eval.utility;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.data.Sample;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyModels;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole stage on a tiny random model that shares SmolLM2's tokenizer: the machinery, not the accuracy. */
class UtilityEvalTest {
    private static final Path EVAL = SharedData.root().resolve("data/eval");

    private static LoadedModel tiny() throws Exception {
        Path golden = SharedData.smolGolden();
        return new LoadedModel(TinyModels.model(LlamaConfig.tiny(49152, 32, 2, 4, 2, 48), 9, Precision.F32),
                Tokenizer.fromJsonFile(golden.resolve("tokenizer.json")),
                Optional.of(new ChatTemplate(Files.readString(golden.resolve("chat_template.jinja")))), golden, "hf",
                Map.of(), List.of(), "<|im_start|>", "<|im_end|>", Set.of(2), new ObjectMapper().createObjectNode());
    }

    @Test
    void everyBenchmarkAndPerplexityIntoOneReport() throws Exception {
        UtilityConfig cfg = new UtilityConfig(List.of("winogrande", "MMLU", "boolq", "piqa"), 6, 128,
                ScoreOptions.defaults());
        Map<String, Integer> progress = new HashMap<>();
        try (LoadedModel m = tiny()) {
            UtilityResults r = UtilityEval.run(m, EVAL, cfg, List.of(Sample.of("Say hi.", "Hi!"),
                    Sample.of("Count to three.", "One, two, three.")), (stage, done, total) -> progress.merge(stage, done,
                    Integer::sum));
            assertThat(r.benchmarks().keySet()).containsExactly("winogrande", "mmlu", "boolq", "piqa");
            assertThat(r.benchmarks().values()).allSatisfy(mc -> assertThat(mc.n()).isEqualTo(6));
            assertThat(r.benchmarks().get("winogrande").acc()).as("one continuation: acc_norm ranks as acc")
                    .isEqualTo(r.benchmarks().get("winogrande").accNorm());
            assertThat(r.perplexity().samples()).isEqualTo(2);
            assertThat(r.perplexity().ppl()).isGreaterThan(1.0);
            assertThat(progress).containsEntry("mmlu", 6).containsEntry("perplexity", 2);
            JsonNode json = new ObjectMapper().valueToTree(r);
            assertThat(json.path("benchmarks").path("boolq").path("items")).hasSize(6);
            assertThat(json.path("seconds").has("perplexity")).isTrue();
        }
    }

    @Test
    void aBadFileFailsBeforeAnyScoring(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("boolq"));
        Files.writeString(dir.resolve("boolq/val.jsonl"), "{\"question\": \"q\", \"passage\": \"p\", \"label\": \"maybe\"}\n");
        int[] calls = new int[1];
        try (LoadedModel m = tiny()) {
            assertThatThrownBy(() -> UtilityEval.run(m, dir, new UtilityConfig(List.of("boolq"), 5, 128,
                    ScoreOptions.defaults()), List.of(), (s, d, t) -> calls[0]++))
                    .hasMessageContaining("boolq/val.jsonl").hasMessageContaining("\"true\" or \"false\"");
        }
        assertThat(calls[0]).isZero();
        assertThatThrownBy(() -> new UtilityConfig(List.of("hellaswag", "glue"), 5, 128, ScoreOptions.defaults()))
                .hasMessageContaining("unknown benchmark 'glue'");
    }
}
