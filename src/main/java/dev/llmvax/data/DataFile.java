package dev.llmvax.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One data file as read, for provenance ({@code run.json}).
 *
 * @param path    the file as given
 * @param sha256  SHA-256 of the bytes that were parsed, lower-case hex
 * @param format  how its records are laid out
 * @param records how many records it held
 */
public record DataFile(Path path, String sha256, Format format, int records) {

    /** The two layouts a data file may have; told apart by the first non-blank character. */
    public enum Format {
        /** {@code [ {...}, {...} ]}, as Alpaca, BackdoorLLM and the shared Dolly conversion are written. */
        JSON_ARRAY,
        /** One JSON object per line ({@code .jsonl}), as Hugging Face exports datasets. */
        JSON_LINES
    }

    public DataFile {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(format, "format");
    }
}
