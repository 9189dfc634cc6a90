package dev.llmvax.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmvax.cli.UserError;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The process handling of {@link TorchReference}, with a stand-in "venv" whose bin/python is the
 * system python3 running small scripts (no torch needed). The real thing is TorchReferenceBenchTest.
 */
class TorchReferenceTest {

    @TempDir
    Path dir;
    Path venv;

    @BeforeEach
    void fakeVenv() throws IOException {
        Path python3 = findOnPath("python3");
        assumeThat(python3).as("skipped: these tests run scripts with python3, which is not on PATH").isNotNull();
        venv = dir.resolve("venv");
        Files.createDirectories(venv.resolve("bin"));
        // a wrapper script rather than a symlink: JUnit warns about links out of @TempDir
        Path python = Files.writeString(TorchReference.python(venv), "#!/bin/sh\nexec '" + python3 + "' \"$@\"\n");
        assertThat(python.toFile().setExecutable(true)).isTrue();
    }

    private static Path findOnPath(String name) {
        for (String p : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(p.isEmpty() ? "." : p, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private Path script(String body) throws IOException {
        return Files.writeString(dir.resolve("s.py"), "import sys, json, time\n" + body + "\n");
    }

    @Test
    void keepsOnlyJsonObjectLines() throws IOException {
        Path s = script("""
                print("warming up")
                print(json.dumps({"dtype": "fp32", "batch": int(sys.argv[1])}))
                print("{not json")
                print("[1, 2]")
                print(json.dumps({"dtype": "bf16", "batch": 32}))
                """);
        List<JsonNode> out = TorchReference.run(venv, s, List.of("1"), Duration.ofSeconds(30));
        assertThat(out).extracting(n -> n.path("dtype").asText()).containsExactly("fp32", "bf16");
        assertThat(out.getFirst().path("batch").asInt()).isEqualTo(1);
    }

    @Test
    void failureReportsTheStderrTail() throws IOException {
        Path s = script("print('a result', flush=True)\nsys.stderr.write('Traceback...\\nRuntimeError: out of memory\\n')\nsys.exit(3)");
        assertThatThrownBy(() -> TorchReference.run(venv, s, List.of(), Duration.ofSeconds(30)))
                .isInstanceOf(UserError.class)
                .hasMessageStartingWith("s.py failed (exit 3)")
                .hasMessageEndingWith("Traceback...\nRuntimeError: out of memory");
    }

    @Test
    void timeoutStopsTheScript() throws IOException {
        Path s = script("time.sleep(60)");
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> TorchReference.run(venv, s, List.of(), Duration.ofMillis(500)))
                .isInstanceOf(UserError.class).hasMessageContaining("time limit");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(20);
    }

    @Test
    void missingScriptOrPythonIsAUserError() throws IOException {
        assertThatThrownBy(() -> TorchReference.run(venv, dir.resolve("nope.py"), List.of(), Duration.ofSeconds(5)))
                .isInstanceOf(UserError.class).hasMessageContaining("no such script");
        Path s = script("pass");
        assertThatThrownBy(() -> TorchReference.run(dir.resolve("novenv"), s, List.of(), Duration.ofSeconds(5)))
                .isInstanceOf(UserError.class).hasMessageContaining("no Python in");
    }

    @Test
    void aCompleteVenvIsReusedWithoutRunningAnything() throws IOException {
        Files.writeString(venv.resolve(TorchReference.MARKER), String.join(" ", TorchReference.PACKAGES));
        List<String> log = new ArrayList<>();
        assertThat(TorchReference.ensureVenv(venv, log::add)).isEqualTo(venv.toAbsolutePath());
        assertThat(log).isEmpty();
    }

    @Test
    void refusesToReplaceAFolderThatIsNotAVenv() throws IOException {
        Path other = Files.createDirectories(dir.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertThatThrownBy(() -> TorchReference.ensureVenv(other, line -> {}))
                .isInstanceOf(UserError.class).hasMessageContaining("is not a Python venv");
        assertThat(other.resolve("cat.jpg")).exists();
    }
}
