package dev.llmvax.data;

import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * A data file that cannot be used: missing, not JSON or JSON Lines, without records, or with a record
 * that lacks a string {@code instruction} or {@code output}. The message is one line for the person at
 * the terminal: the file, the record and its line where there is one, what is wrong and what to do. It
 * is an {@link IllegalArgumentException}, which the CLI reports as a user error (exit code 2).
 */
public final class DataFormatException extends IllegalArgumentException {
    private final transient Path file;
    private final int record; // 1-based; 0 when the problem is the whole file
    private final int line; // 1-based; 0 when unknown

    /** A problem with the whole file. */
    public DataFormatException(Path file, String problem) {
        this(file, 0, 0, problem, null);
    }

    /** A problem with the {@code record}-th record (1-based), which starts on {@code line}. */
    public DataFormatException(Path file, int record, int line, String problem) {
        this(file, record, line, problem, null);
    }

    DataFormatException(Path file, int record, int line, String problem, Throwable cause) {
        super(file + ": " + where(record, line) + problem, cause);
        this.file = file;
        this.record = record;
        this.line = line;
    }

    private static String where(int record, int line) {
        if (record <= 0) {
            return "";
        }
        return line > 0 ? "record " + record + " (line " + line + "): " : "record " + record + ": ";
    }

    /** The file that could not be used. */
    public Path file() {
        return file;
    }

    /** The 1-based number of the bad record, if the problem is one record. */
    public OptionalInt record() {
        return record > 0 ? OptionalInt.of(record) : OptionalInt.empty();
    }

    /** The 1-based line where the bad record (or the syntax error) is. */
    public OptionalInt line() {
        return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
    }
}
