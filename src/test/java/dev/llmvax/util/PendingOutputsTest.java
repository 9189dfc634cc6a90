package dev.llmvax.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PendingOutputsTest {

    @TempDir
    Path parent;

    /** SIGTERM (what Ctrl-C, a CI timeout or a queue runner sends) leaves no hidden temporary behind. */
    @Test
    void aKilledRunLeavesNoTemporaryOutput() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                InterruptedWriter.class.getName(), parent.toString()).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("ready");
            assertThat(entries()).hasSize(2).allMatch(name -> name.startsWith(".") && name.contains(".tmp-"));
            p.destroy(); // SIGTERM: shutdown hooks run, try-with-resources blocks do not finish
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(entries()).isEmpty();
    }

    @Test
    void committedAndClosedOutputsAreForgotten() throws Exception {
        Path tmp;
        try (AtomicOutputDir out = AtomicOutputDir.create(parent.resolve("a"), false)) {
            tmp = out.tmp();
            assertThat(PendingOutputs.isPending(tmp)).isTrue();
            out.commit();
        }
        assertThat(PendingOutputs.isPending(tmp)).isFalse();
        try (AtomicOutputDir out = AtomicOutputDir.create(parent.resolve("b"), false)) {
            tmp = out.tmp();
        }
        assertThat(PendingOutputs.isPending(tmp)).isFalse();
        assertThat(entries()).containsExactly("a");
    }

    private java.util.List<String> entries() throws Exception {
        try (Stream<Path> s = Files.list(parent)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }
}
