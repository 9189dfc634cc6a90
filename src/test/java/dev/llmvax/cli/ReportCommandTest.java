package dev.llmvax.cli;

import static dev.llmvax.cli.CommandsTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.compare.CompareFixtures;
import dev.llmvax.util.Hashing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmvax report} end to end on the fixtures of {@link CompareFixtures} (an eval folder, a purify folder with
 * two evaluations); bad input: one line, exit 2, nothing written.
 */
class ReportCommandTest {
    @TempDir
    Path tmp;

    Path eval;
    Path purify;

    @BeforeEach
    void runs() throws IOException {
        eval = CompareFixtures.evalRun(tmp.resolve("runs/eval-base"));
        purify = CompareFixtures.purifyRun(tmp.resolve("runs/purify-x"));
    }

    @Test
    void writesTheComparisonPageTableAndJson() throws IOException {
        Path out = tmp.resolve("cmp");
        CommandsTest.Run r = run("report", eval.toString(), purify.resolve("purify.json").toString(), "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("report.html", "compare.json", "compare.md", "run.json");
        }
        assertThat(r.out()).startsWith("| model |").contains("| purify-x: purified |");

        JsonNode j = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        assertThat(j.path("report").asText()).isEqualTo("llmvax report");
        assertThat(j.path("rows")).extracting(n -> n.path("label").asText())
                .containsExactly("eval-base: base-model", "purify-x: suspicious", "purify-x: purified");
        assertThat(j.path("rows").get(0).path("templated").path("asrStrict").asDouble()).isEqualTo(0.8);
        JsonNode prov = j.path("provenance");
        assertThat(prov.path("command")).extracting(JsonNode::asText).startsWith("llmvax", "report");
        assertThat(prov.path("version").asText()).isNotEmpty();
        Path purifyJson = purify.resolve("purify.json").toAbsolutePath().normalize();
        assertThat(prov.path("inputsSha256").path(purifyJson.toString()).asText())
                .isEqualTo(Hashing.sha256(purifyJson));
        assertThat(prov.path("inputsSha256").size()).isEqualTo(2);

        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<svg", "eval-base: base-model", "purify-x: suspicious", "purify-x: purified",
                "llmvax report: 3 models from 2 runs");
        String md = Files.readString(out.resolve("compare.md"));
        assertThat(md).contains("| purify-x: purified | 10 + 10 | 0.0 % |");
        assertThat(Files.readString(out.resolve("run.json"))).contains("\"report\"");
    }

    @Test
    void labelsAndTitleAndOverwrite() throws IOException {
        Path out = tmp.resolve("cmp");
        Files.createDirectories(out);
        Files.writeString(out.resolve("old.txt"), "earlier output");
        CommandsTest.Run refused = run("report", eval.toString(), purify.toString(), "--out", out.toString());
        refused.isUserError("exists and is not empty", "--overwrite");
        assertThat(Files.readString(out.resolve("old.txt"))).isEqualTo("earlier output");

        CommandsTest.Run r = run("report", eval.toString(), purify.toString(), "--labels", "before,ours",
                "--title", "Defenses on badnet", "--out", out.toString(), "--overwrite");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("old.txt")).doesNotExist();
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).contains("<title>Defenses on badnet</title>", "before: base-model", "ours: purified");
    }

    @Test
    void aDefendRunIsReadBesideTheOthers() throws IOException {
        Path defend = CompareFixtures.defendRun(tmp.resolve("runs/defend-crow"), "crow",
                Map.of("training_tokens", 1234, "wall_seconds", 56.5));
        Path out = tmp.resolve("cmp");
        CommandsTest.Run r = run("report", purify.toString(), defend.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(out.resolve("compare.md")))
                .contains("| defend-crow: defended | crow | 10 + 10 | 30.0 % |", "| 1,234 | 57 |");
    }

    @Test
    void aFolderWithoutARunIsAUserError() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("runs/empty"));
        Path out = tmp.resolve("cmp");
        CommandsTest.Run r = run("report", eval.toString(), empty.toString(), "--out", out.toString());
        r.isUserError(empty + ": no report.json, purify.json or defend.json in it");
        assertNothingWritten(out);
    }

    @Test
    void aJsonOfTheWrongKindIsAUserErrorNamingIt() throws IOException {
        Path runJson = eval.resolve("run.json");
        dev.llmvax.util.Provenance.of(List.of("llmvax", "eval"), Map.of()).writeJson(runJson);
        Path out = tmp.resolve("cmp");
        CommandsTest.Run r = run("report", runJson.toString(), "--out", out.toString());
        r.isUserError(runJson.toAbsolutePath().normalize() + ": not an llmvax eval, purify or defend report");
        assertNothingWritten(out);

        Path broken = Files.writeString(tmp.resolve("runs/defend.json"), "{\"report\": \"llmvax defend\", "
                + "\"result\": {\"evaluations\": [{\"model\": 3}]}}");
        CommandsTest.Run b = run("report", broken.toString(), "--out", out.toString());
        b.isUserError(broken.toAbsolutePath().normalize() + ": evaluated model 1 does not read as an evaluation");
        assertNothingWritten(out);
    }

    @Test
    void labelsMustMatchTheRuns() {
        Path out = tmp.resolve("cmp");
        run("report", eval.toString(), purify.toString(), "--labels", "one", "--out", out.toString())
                .isUserError("--labels gives 1 label for 2 RUNs");
        run("report", eval.toString(), purify.toString(), "--labels", "one,,", "--out", out.toString())
                .isUserError("--labels");
        assertNothingWritten(out);
    }

    @Test
    void theSameRunTwiceNeedsLabels() {
        Path out = tmp.resolve("cmp");
        run("report", purify.toString(), purify.toString(), "--out", out.toString())
                .isUserError("two models are labelled \"purify-x: suspicious\"", "--labels");
        assertNothingWritten(out);
        CommandsTest.Run r = run("report", purify.toString(), purify.toString(), "--labels", "a,b", "--out",
                out.toString());
        assertThat(r.code()).as(r.err()).isZero();
    }

    @Test
    void theOutputMayNotOverlapARun() {
        run("report", purify.toString(), "--out", purify.resolve("cmp").toString())
                .isUserError("overlaps the input");
        run("report", purify.toString(), "--out", tmp.resolve("runs").toString(), "--overwrite")
                .isUserError("overlaps the input");
        assertThat(purify.resolve("cmp")).doesNotExist();
        assertThat(purify.resolve("purify.json")).exists();
    }

    @Test
    void aMissingRunIsAUserError() {
        Path out = tmp.resolve("cmp");
        run("report", tmp.resolve("runs/nope").toString(), "--out", out.toString())
                .isUserError("nope: no such file or folder");
        CommandsTest.Run none = run("report", "--out", out.toString()); // a usage error: the line and --help
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).startsWith("llmvax: error: Missing required parameter: 'RUN'");
        assertNothingWritten(out);
    }

    /** Neither the output folder nor a temporary sibling of it is left behind. */
    private void assertNothingWritten(Path out) {
        assertThat(out).doesNotExist();
        try (Stream<Path> siblings = Files.list(out.getParent())) {
            assertThat(siblings.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".cmp"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
