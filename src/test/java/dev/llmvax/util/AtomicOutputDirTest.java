package dev.llmvax.util;

import dev.llmvax.cli.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AtomicOutputDirTest {

    @TempDir
    Path parent;

    private static String[] listing(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void commitMovesTheTempFolderIntoPlace() throws IOException {
        Path out = parent.resolve("purified");
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
            assertThat(dir.tmp().getParent()).isEqualTo(parent.toAbsolutePath());
            assertThat(dir.tmp().getFileName().toString()).startsWith(".purified.tmp-");
            Files.writeString(dir.tmp().resolve("run.json"), "{}");
            assertThat(out).doesNotExist(); // nothing visible before the commit
            assertThat(dir.commit()).isEqualTo(out.toAbsolutePath());
        }
        assertThat(out.resolve("run.json")).hasContent("{}");
        assertThat(listing(parent)).containsExactly("purified");
    }

    @Test
    void refusesANonEmptyFolder() throws IOException {
        Path out = Files.createDirectories(parent.resolve("out"));
        Files.writeString(out.resolve("model.safetensors"), "old");
        assertThatThrownBy(() -> AtomicOutputDir.create(out, false))
                .isInstanceOf(UserError.class)
                .hasMessage("output folder " + out.toAbsolutePath() + " exists and is not empty; choose another --out or pass --overwrite");
        assertThat(out.resolve("model.safetensors")).hasContent("old");
        assertThat(listing(parent)).containsExactly("out");
    }

    @Test
    void refusesAFile() throws IOException {
        Path out = Files.writeString(parent.resolve("out"), "x");
        assertThatThrownBy(() -> AtomicOutputDir.create(out, true))
                .isInstanceOf(UserError.class).hasMessageContaining("is a file");
    }

    @Test
    void closingWithoutCommitLeavesNothing() throws IOException {
        Path out = parent.resolve("out");
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
            Files.createDirectories(dir.tmp().resolve("sub"));
            Files.writeString(dir.tmp().resolve("sub/half.bin"), "half");
        }
        assertThat(listing(parent)).isEmpty();
    }

    @Test
    void anExceptionInsideTheTryLeavesNothing() throws IOException {
        Path out = parent.resolve("out");
        assertThatThrownBy(() -> {
            try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
                Files.writeString(dir.tmp().resolve("half.bin"), "half");
                throw new IllegalStateException("training diverged");
            }
        }).isInstanceOf(IllegalStateException.class).hasMessage("training diverged");
        assertThat(listing(parent)).isEmpty();
    }

    @Test
    void anEmptyExistingFolderIsReplaced() throws IOException {
        Path out = Files.createDirectories(parent.resolve("out"));
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
            Files.writeString(dir.tmp().resolve("a"), "new");
            dir.commit();
        }
        assertThat(out.resolve("a")).hasContent("new");
        assertThat(listing(parent)).containsExactly("out");
    }

    @Test
    void overwriteReplacesTheOldFolderOnlyAtCommit() throws IOException {
        Path out = Files.createDirectories(parent.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, true)) {
            Files.writeString(dir.tmp().resolve("new.txt"), "new");
            assertThat(out.resolve("old.txt")).exists(); // still there until the commit
            dir.commit();
        }
        assertThat(listing(out)).containsExactly("new.txt");
        assertThat(listing(parent)).containsExactly("out"); // the old folder was deleted, not left aside
    }

    @Test
    void overwriteWithoutCommitKeepsTheOldFolder() throws IOException {
        Path out = Files.createDirectories(parent.resolve("out"));
        Files.writeString(out.resolve("old.txt"), "old");
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, true)) {
            Files.writeString(dir.tmp().resolve("new.txt"), "new");
        }
        assertThat(listing(out)).containsExactly("old.txt");
        assertThat(listing(parent)).containsExactly("out");
    }

    @Test
    void commitRefusesAFolderThatAppearedMeanwhile() throws IOException {
        Path out = parent.resolve("out");
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
            Files.createDirectories(out);
            Files.writeString(out.resolve("other.txt"), "someone else's");
            assertThatThrownBy(dir::commit).isInstanceOf(UserError.class);
        }
        assertThat(listing(out)).containsExactly("other.txt");
        assertThat(listing(parent)).containsExactly("out");
    }

    @Test
    void createsMissingParents() throws IOException {
        Path out = parent.resolve("a/b/out");
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, false)) {
            dir.commit();
        }
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void writeAtomicallyWritesAndRefusesToReplace() throws IOException {
        Path file = parent.resolve("run.json");
        AtomicOutputDir.writeAtomically(file, tmp -> Files.writeString(tmp, "one"));
        assertThat(file).hasContent("one");
        assertThatThrownBy(() -> AtomicOutputDir.writeAtomically(file, tmp -> Files.writeString(tmp, "two")))
                .isInstanceOf(UserError.class);
        AtomicOutputDir.writeAtomically(file, true, tmp -> Files.writeString(tmp, "three"));
        assertThat(file).hasContent("three");
        assertThat(listing(parent)).containsExactly("run.json");
    }

    @Test
    void writeAtomicallyLeavesNothingWhenTheWriterFails() throws IOException {
        Path file = parent.resolve("weights.bin");
        assertThatThrownBy(() -> AtomicOutputDir.writeAtomically(file, tmp -> {
            Files.writeString(tmp, "half");
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(listing(parent)).isEmpty();
    }
}
