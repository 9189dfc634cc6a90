package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stage runs once per key, appears only when finished, and a failed stage leaves nothing behind. */
class StageStoreTest {
    @TempDir
    Path tmp;

    private static final String KEY_A = "a".repeat(64);
    private static final String KEY_B = "b".repeat(64);

    @Test
    void runsOncePerKeyAndReusesAcrossInstances() throws IOException {
        AtomicInteger runs = new AtomicInteger();
        StageStore store = new StageStore(tmp.resolve("stages"));
        Path first = store.getOrRun("variant-1", KEY_A, d -> {
            runs.incrementAndGet();
            Files.writeString(d.resolve("x.txt"), "one");
        });
        Path again = new StageStore(tmp.resolve("stages")).getOrRun("variant-1", KEY_A, d -> runs.incrementAndGet());
        assertThat(again).isEqualTo(first);
        assertThat(runs).hasValue(1);
        assertThat(Files.readString(first.resolve("x.txt"))).isEqualTo("one");
        assertThat(store.find("variant-1", KEY_B)).isEmpty();
        store.getOrRun("variant-1", KEY_B, d -> runs.incrementAndGet());
        assertThat(runs).hasValue(2);
    }

    @Test
    void aFailedStageLeavesNoFolder() throws IOException {
        StageStore store = new StageStore(tmp.resolve("stages"));
        assertThatThrownBy(() -> store.getOrRun("scores", KEY_A, d -> {
            Files.writeString(d.resolve("half.bin"), "partial");
            throw new IOException("disk full");
        })).hasMessage("disk full");
        assertThat(store.find("scores", KEY_A)).isEmpty();
        try (Stream<Path> s = Files.list(tmp.resolve("stages"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aFolderWithoutItsKeyStampIsNotAFinishedStage() throws IOException {
        StageStore store = new StageStore(tmp.resolve("stages"));
        Path dir = store.getOrRun("scores", KEY_A, d -> { });
        Files.delete(dir.resolve(StageStore.KEY_FILE));
        assertThat(store.find("scores", KEY_A)).isEmpty();
        AtomicInteger runs = new AtomicInteger();
        store.getOrRun("scores", KEY_A, d -> runs.incrementAndGet());
        assertThat(runs).hasValue(1);
        assertThat(store.find("scores", KEY_A)).isPresent();
    }
}
