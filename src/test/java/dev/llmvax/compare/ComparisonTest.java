package dev.llmvax.compare;

import dev.llmvax.report.HtmlWriter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.eval.EvalReport;
import dev.llmvax.util.Hashing;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rows, table cells and Markdown of {@code llmvax report} from the fixtures of {@link CompareFixtures}. */
class ComparisonTest {
    @TempDir
    Path tmp;

    private static final Provenance PROV = Provenance.of(List.of("llmvax", "report"), Map.of());

    /** The eval fixture (given as its folder) and the purify fixture (given as its purify.json), read. */
    private List<EvaluatedRun> evalAndPurifyRuns() throws IOException {
        Path eval = CompareFixtures.evalRun(tmp.resolve("eval-base"));
        Path purify = CompareFixtures.purifyRun(tmp.resolve("purify-x"));
        return List.of(EvaluatedRun.read(eval), EvaluatedRun.read(purify.resolve("purify.json")));
    }

    private Comparison evalAndPurify(List<String> prefixes) throws IOException {
        return Comparison.of(evalAndPurifyRuns(), prefixes, null, PROV);
    }

    private static ComparisonRow row(Comparison c, String label) {
        return c.rows().stream().filter(r -> r.label().equals(label)).findFirst().orElseThrow();
    }

    @Test
    void oneRowPerEvaluatedModelWithTheRunsNumbers() throws IOException {
        Comparison c = evalAndPurify(null);
        assertThat(c.rows()).extracting(ComparisonRow::label)
                .containsExactly("eval-base: base-model", "purify-x: suspicious", "purify-x: purified");
        assertThat(c.benchmarks()).containsExactly("hellaswag", "arc_easy");
        assertThat(c.title()).isEqualTo("llmvax report: 3 models from 2 runs");

        ComparisonRow base = row(c, "eval-base: base-model");
        assertThat(base.kind()).isEqualTo(RunKind.EVAL);
        assertThat(base.triggered()).isEqualTo(10);
        assertThat(base.clean()).isEqualTo(10);
        assertThat(base.templated().asrStrict()).isEqualTo(0.8);
        assertThat(base.templated().asrLoose()).isEqualTo(0.9);
        assertThat(base.templated().ftrStrict()).isEqualTo(0.1);
        assertThat(base.templated().ftrLoose()).isEqualTo(0.2);
        assertThat(base.raw().asrStrict()).isEqualTo(0.4);
        assertThat(base.raw().ftrLoose()).isEqualTo(0.1);
        assertThat(base.degenerate()).isZero();
        assertThat(base.accuracy()).containsExactly(Map.entry("hellaswag", 0.5), Map.entry("arc_easy", 0.75));
        assertThat(base.meanAcc()).isEqualTo(0.625);
        assertThat(base.ppl()).isEqualTo(12.5);
        assertThat(base.cost()).isNull();

        ComparisonRow suspicious = row(c, "purify-x: suspicious");
        assertThat(suspicious.kind()).isEqualTo(RunKind.PURIFY);
        assertThat(suspicious.templated().asrStrict()).isEqualTo(1.0);
        assertThat(suspicious.raw()).isNull();
        assertThat(suspicious.cost()).as("the input model cost nothing to make").isNull();

        ComparisonRow purified = row(c, "purify-x: purified");
        assertThat(purified.templated().asrStrict()).isZero();
        assertThat(purified.templated().asrLoose()).isEqualTo(0.1);
        assertThat(purified.degenerate()).isEqualTo(0.2);
        assertThat(purified.meanAcc()).isEqualTo(0.5);
        assertThat(purified.ppl()).isEqualTo(9.5);
        assertThat(purified.cost().trainingTokens()).isEqualTo(2500L);
        assertThat(purified.cost().wallSeconds()).isCloseTo(42.0, within(1e-9));
        assertThat(purified.cost().basis()).contains("variants", "repair");
        assertThat(purified.run()).endsWith("purify.json");
    }

    @Test
    void theTableHasTheValuesAsPercentages() throws IOException {
        List<List<String>> cells = ComparisonTable.cells(evalAndPurify(null));
        assertThat(cells.getFirst()).containsExactly("model", "prompts", "ASR strict", "ASR loose", "FTR strict",
                "FTR loose", "raw ASR strict", "raw ASR loose", "raw FTR strict", "raw FTR loose", "degenerate",
                "hellaswag", "arc_easy", "mean acc", "ppl", "training tokens", "wall s");
        assertThat(cells.get(1)).containsExactly("eval-base: base-model", "10 + 10", "80.0 %", "90.0 %", "10.0 %",
                "20.0 %", "40.0 %", "50.0 %", "0.0 %", "10.0 %", "0.0 %", "50.0 %", "75.0 %", "62.5 %", "12.50", "–",
                "–");
        assertThat(cells.get(2)).containsExactly("purify-x: suspicious", "10 + 10", "100.0 %", "100.0 %", "10.0 %",
                "10.0 %", "–", "–", "–", "–", "0.0 %", "50.0 %", "50.0 %", "50.0 %", "11.00", "–", "–");
        assertThat(cells.get(3)).containsExactly("purify-x: purified", "10 + 10", "0.0 %", "10.0 %", "0.0 %",
                "0.0 %", "–", "–", "–", "–", "20.0 %", "25.0 %", "75.0 %", "50.0 %", "9.50", "2,500", "42");
    }

    @Test
    void optionalColumnsAppearOnlyWhenARowHasThem() throws IOException {
        Path purify = CompareFixtures.purifyRun(tmp.resolve("p"));
        Comparison c = Comparison.of(List.of(EvaluatedRun.read(purify)), null, "t", PROV);
        assertThat(ComparisonTable.cells(c).getFirst()).doesNotContain("raw ASR strict", "method")
                .contains("training tokens");
        Path eval = CompareFixtures.evalRun(tmp.resolve("e"));
        Comparison e = Comparison.of(List.of(EvaluatedRun.read(eval)), null, "t", PROV);
        assertThat(ComparisonTable.cells(e).getFirst()).contains("raw ASR strict")
                .doesNotContain("training tokens", "wall s", "method");
    }

    @Test
    void labelsReplaceTheFolderNames() throws IOException {
        List<EvaluatedRun> runs = evalAndPurifyRuns();
        Comparison c = Comparison.of(runs, List.of("before", "ours"), null, PROV);
        assertThat(c.rows()).extracting(ComparisonRow::label)
                .containsExactly("before: base-model", "ours: suspicious", "ours: purified");
        assertThat(c.inputs()).extracting(Comparison.Input::prefix).containsExactly("before", "ours");
        assertThatThrownBy(() -> Comparison.of(runs, List.of("only-one"), null, PROV))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 labels for 2 runs");
    }

    @Test
    void twoRowsWithOneLabelAreRefused() throws IOException {
        EvaluatedRun purify = EvaluatedRun.read(CompareFixtures.purifyRun(tmp.resolve("purify-x")));
        assertThatThrownBy(() -> Comparison.of(List.of(purify, purify), null, null, PROV))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"purify-x: suspicious\"").hasMessageContaining("--labels");
    }

    @Test
    void defendRunsGiveTheirMethodAndCost() throws IOException {
        Map<String, Object> snake = new LinkedHashMap<>();
        snake.put("training_tokens", 1234);
        snake.put("wall_seconds", 56.5);
        Path d1 = CompareFixtures.defendRun(tmp.resolve("defend-crow"), "crow", snake);
        Path d2 = CompareFixtures.defendRun(tmp.resolve("defend-camel"), "wanda",
                Map.of("trainingTokens", 99, "wallSeconds", 1.5));
        Path d3 = CompareFixtures.defendRun(tmp.resolve("defend-bare"), null, null);
        Comparison c = Comparison.of(List.of(EvaluatedRun.read(d1), EvaluatedRun.read(d2), EvaluatedRun.read(d3)),
                null, null, PROV);
        ComparisonRow crow = row(c, "defend-crow: defended");
        assertThat(crow.kind()).isEqualTo(RunKind.DEFEND);
        assertThat(crow.method()).isEqualTo("crow");
        assertThat(crow.cost().trainingTokens()).isEqualTo(1234L);
        assertThat(crow.cost().wallSeconds()).isEqualTo(56.5);
        assertThat(crow.templated().asrStrict()).isEqualTo(0.3);
        assertThat(row(c, "defend-crow: suspicious").cost()).isNull();
        assertThat(row(c, "defend-crow: suspicious").method()).isNull();
        assertThat(row(c, "defend-camel: defended").cost().trainingTokens()).isEqualTo(99L);
        assertThat(row(c, "defend-bare: defended").cost()).isNull();
        assertThat(row(c, "defend-bare: defended").method()).isNull();
        Path noCost = CompareFixtures.defendRun(tmp.resolve("defend-free"), "prune", null);
        ComparisonRow free = Comparison.of(List.of(EvaluatedRun.read(noCost)), null, null, PROV).rows().get(1);
        assertThat(free.method()).as("the method without a cost").isEqualTo("prune");
        assertThat(free.cost()).isNull();
        List<List<String>> cells = ComparisonTable.cells(c);
        assertThat(cells.getFirst()).contains("method", "training tokens", "wall s");
        assertThat(cells.get(2)).contains("crow", "1,234", "57"); // 56.5 rounds half up
    }

    @Test
    void markdownIsAPastableTable() throws IOException {
        String md = ComparisonTable.markdown(evalAndPurify(List.of("a|b", "ours")));
        List<String> lines = md.lines().toList();
        assertThat(lines.get(0)).startsWith("| model | prompts | ASR strict |").endsWith("| wall s |");
        assertThat(lines.get(1)).startsWith("|---|---:|---:|");
        assertThat(lines.get(1).chars().filter(ch -> ch == '|').count())
                .isEqualTo(lines.get(0).chars().filter(ch -> ch == '|').count());
        assertThat(lines.get(2)).startsWith("| a\\|b: base-model | 10 + 10 | 80.0 % |");
        assertThat(lines.get(4)).startsWith("| ours: purified | 10 + 10 | 0.0 % |").endsWith("| 2,500 | 42 |");
        assertThat(lines.get(5)).isEmpty();
        assertThat(md).contains("purify.json", "variants + scores + neutralise + repair", "llmvax report");
    }

    @Test
    void theHtmlHasTheRowsAndOneHorizontalChartPerMeasure() throws IOException {
        Comparison c = evalAndPurify(null);
        String html = HtmlWriter.html(ComparisonHtml.report(c));
        assertThat(html).contains("eval-base: base-model", "purify-x: purified", "Attack success rate, strict",
                "False-trigger rate, strict", "Mean utility accuracy", "2,500", Hashing.sha256(
                        Files.readAllBytes(tmp.resolve("purify-x/purify.json"))));
        assertThat(html.split("<svg", -1)).hasSize(4);
        assertThat(html).doesNotContain("<script");
    }

    @Test
    void compareJsonHoldsTheRowsAndTheInputs() throws IOException {
        Comparison c = evalAndPurify(null);
        Path f = tmp.resolve("compare.json");
        c.writeJson(f);
        var j = new ObjectMapper().readTree(f.toFile());
        assertThat(j.path("report").asText()).isEqualTo("llmvax report");
        assertThat(j.path("schemaVersion").asInt()).isEqualTo(1);
        assertThat(j.path("rows").size()).isEqualTo(3);
        var purified = j.path("rows").get(2);
        assertThat(purified.path("label").asText()).isEqualTo("purify-x: purified");
        assertThat(purified.path("kind").asText()).isEqualTo("purify");
        assertThat(purified.path("templated").path("asrStrict").asDouble()).isZero();
        assertThat(purified.path("templated").path("format").asText()).isEqualTo("templated");
        assertThat(purified.path("raw").isNull()).isTrue();
        assertThat(purified.path("accuracy").path("arc_easy").asDouble()).isEqualTo(0.75);
        assertThat(purified.path("cost").path("trainingTokens").asLong()).isEqualTo(2500);
        assertThat(j.path("inputs").get(1).path("sha256").asText())
                .isEqualTo(Hashing.sha256(Files.readAllBytes(tmp.resolve("purify-x/purify.json"))));
        assertThat(j.path("inputs").get(0).path("command").get(1).asText()).isEqualTo("eval");
    }

    @Test
    void aFolderWithoutAKnownFileIsRefused() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("nothing"));
        Files.writeString(empty.resolve("notes.txt"), "hi");
        assertThatThrownBy(() -> EvaluatedRun.read(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(empty + ": no report.json, purify.json or defend.json in it");
        assertThatThrownBy(() -> EvaluatedRun.read(tmp.resolve("missing")))
                .hasMessageContaining("missing: no such file or folder");
    }

    @Test
    void aFolderWithTwoKnownFilesAsksForOne() throws IOException {
        Path dir = CompareFixtures.purifyRun(tmp.resolve("both"));
        CompareFixtures.evalRun(dir);
        assertThatThrownBy(() -> EvaluatedRun.read(dir)).hasMessageContaining("holds [report.json, purify.json]");
        assertThat(EvaluatedRun.read(dir.resolve("report.json")).kind()).isEqualTo(RunKind.EVAL);
    }

    @Test
    void jsonOfAnotherKindOrSchemaIsRefusedNamingTheFile() throws IOException {
        Path runJson = tmp.resolve("run.json");
        PROV.writeJson(runJson);
        assertThatThrownBy(() -> EvaluatedRun.read(runJson)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(runJson + ": not an llmvax eval, purify or defend report")
                .hasMessageContaining("(no \"report\" field)");

        Path notJson = Files.writeString(tmp.resolve("report.json"), "{ not json");
        assertThatThrownBy(() -> EvaluatedRun.read(notJson)).hasMessageStartingWith(notJson + ": not valid JSON");

        Path array = Files.writeString(tmp.resolve("a.json"), "[1, 2]");
        assertThatThrownBy(() -> EvaluatedRun.read(array)).hasMessageContaining("expected a JSON object");

        Path newer = tmp.resolve("newer/report.json");
        Files.createDirectories(newer.getParent());
        Files.writeString(newer, "{\"report\": \"" + EvalReport.KIND + "\", \"schemaVersion\": 99, \"models\": []}");
        assertThatThrownBy(() -> EvaluatedRun.read(newer)).hasMessageContaining("newer llmvax")
                .hasMessageContaining(newer.toString());

        Path noModels = tmp.resolve("none/purify.json");
        Files.createDirectories(noModels.getParent());
        Files.writeString(noModels, "{\"report\": \"llmvax purify\", \"schemaVersion\": 1, "
                + "\"result\": {\"evaluations\": []}}");
        assertThatThrownBy(() -> EvaluatedRun.read(noModels)).hasMessageContaining("no evaluated models")
                .hasMessageContaining("--eval-task");

        Path noList = tmp.resolve("nolist/report.json");
        Files.createDirectories(noList.getParent());
        Files.writeString(noList, "{\"report\": \"llmvax eval\", \"schemaVersion\": 1}");
        assertThatThrownBy(() -> EvaluatedRun.read(noList)).hasMessageContaining("\"models\"");

        Path badModel = tmp.resolve("bad/report.json");
        Files.createDirectories(badModel.getParent());
        Files.writeString(badModel, "{\"report\": \"llmvax eval\", \"schemaVersion\": 1, \"models\": "
                + "[{\"model\": {\"label\": \"m\", \"sha256\": {}}, \"attack\": {\"runs\": \"oops\"}}]}");
        assertThatThrownBy(() -> EvaluatedRun.read(badModel)).hasMessageStartingWith(badModel
                + ": evaluated model 1 does not read as an evaluation");

        Path noScores = tmp.resolve("noscores/report.json");
        Files.createDirectories(noScores.getParent());
        Files.writeString(noScores, "{\"report\": \"llmvax eval\", \"schemaVersion\": 1, \"models\": "
                + "[{\"model\": {\"label\": \"m\", \"sha256\": {}}, \"attack\": {\"runs\": [], \"headline\": []}}]}");
        assertThatThrownBy(() -> EvaluatedRun.read(noScores)).hasMessageContaining("(m) has no attack scores");
    }
}
