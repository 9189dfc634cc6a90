package dev.llmvax;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the read-only {@code ../shared} folder (model, golden outputs, data) that tests read in place. */
public final class SharedData {
    private SharedData() {
    }

    public static Path root() {
        String prop = System.getProperty("llmvax.shared");
        Path p = prop != null ? Path.of(prop) : Path.of("..", "shared");
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("shared data folder not found at " + p.toAbsolutePath()
                    + ": clone llmvax next to ../shared (CI lays it there)");
        }
        return p;
    }

    public static Path smolGguf() {
        return root().resolve("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf");
    }

    public static Path smolGolden() {
        return root().resolve("golden/smollm2-135m-instruct");
    }
}
