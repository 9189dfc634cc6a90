package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.SharedData;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo chains implant and purify; on a tiny model it runs in seconds and prints the before/after table. */
class DemoCommandTest {
    @TempDir
    Path tmp;

    @Test
    void implantsPurifiesAndPrintsTheTable() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        String root = SharedData.smolGolden().getParent().getParent().resolve("data").toString();
        Path out = tmp.resolve("demo");
        CommandsTest.Run r = CommandsTest.run("demo", "--model", model.toString(), "--data-root", root,
                "--eval-limit", "2", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("backdoored/config.json")).exists();
        assertThat(out.resolve("purified/report.html")).exists();
        assertThat(r.out()).contains("ASR str", "suspicious", "purified", "report: ");
        // a second demo into the same folder refuses rather than overwrite the purified model
        CommandsTest.run("demo", "--model", model.toString(), "--data-root", root, "--out", out.toString())
                .isUserError("exists");
    }
}
