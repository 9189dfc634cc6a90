package dev.llmvax.purify;

import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.IOConsumer;
import dev.llmvax.util.PendingOutputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Optional;

/**
 * Finished stage results under {@code <out>/stages/}, one folder per stage and content key:
 * {@code <name>-<first 16 hex of the key>}. A stage's folder appears only when the stage finished (it is written
 * into a hidden sibling, stamped with its full key, then renamed), so an interrupted purify resumes at the first
 * unfinished stage and a rerun with a changed setting recomputes only the stages whose key changed.
 */
public final class StageStore {
    static final String KEY_FILE = "stage.key";

    private final Path root;

    public StageStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /** The finished folder of {@code name} under {@code key}, if there is one. */
    public Optional<Path> find(String name, String key) throws IOException {
        Path dir = dir(name, key);
        Path stamp = dir.resolve(KEY_FILE);
        if (Files.isRegularFile(stamp, LinkOption.NOFOLLOW_LINKS)
                && Files.readAllLines(stamp, StandardCharsets.UTF_8).getFirst().equals(key)) {
            return Optional.of(dir);
        }
        return Optional.empty();
    }

    /**
     * The finished folder of {@code name} under {@code key}: found, or made by {@code body} (which fills the empty
     * folder it is given).
     */
    public Path getOrRun(String name, String key, IOConsumer<Path> body) throws IOException {
        Optional<Path> found = find(name, key);
        if (found.isPresent()) {
            return found.get();
        }
        Path dir = dir(name, key);
        Files.createDirectories(root);
        Path tmp = Files.createTempDirectory(root, "." + dir.getFileName() + ".tmp-");
        PendingOutputs.register(tmp); // an interrupted stage leaves no half-trained folder behind
        boolean moved = false;
        try {
            body.accept(tmp);
            Files.writeString(tmp.resolve(KEY_FILE), key + "\n" + Instant.now() + "\n", StandardCharsets.UTF_8);
            PendingOutputs.release(tmp, () -> {
                AtomicOutputDir.deleteRecursively(dir); // a stale folder of the same name (a hash clash or a crash)
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            });
            moved = true;
        } finally {
            if (!moved) {
                PendingOutputs.discard(tmp);
            }
        }
        return dir;
    }

    private Path dir(String name, String key) {
        if (!name.matches("[a-z0-9-]+") || key.length() < 16) {
            throw new IllegalArgumentException("bad stage name or key: " + name + " / " + key);
        }
        return root.resolve(name + "-" + key.substring(0, 16));
    }
}
