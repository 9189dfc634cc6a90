package dev.llmvax.io;

import java.nio.file.Path;

/**
 * A model file (safetensors or GGUF) that cannot be read: truncated, corrupt, or using a feature
 * this package does not support. The message always names the file and the problem.
 */
public final class ModelFormatException extends RuntimeException {
    private final transient Path file;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that could not be read. */
    public Path file() {
        return file;
    }
}
