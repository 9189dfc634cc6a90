package dev.llmvax.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;

import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns an exception that escaped a subcommand into one line on stderr and an exit code.
 *
 * <p><b>User errors</b> (exit 2, {@code llmvax: error: <message>}): the types in
 * {@link #USER_ERROR_TYPES} and their subclasses. <b>Anything else</b> is a bug (exit 1,
 * {@code llmvax: internal error: <class>: <message>}). The stack trace is printed only with
 * {@code --debug}.
 *
 * <p>To make another exception class a user error, add it to {@link #USER_ERROR_TYPES}.
 */
final class ErrorReport implements IExecutionExceptionHandler {

    static final int EXIT_USER_ERROR = CommandLine.ExitCode.USAGE; // 2
    static final int EXIT_INTERNAL_ERROR = CommandLine.ExitCode.SOFTWARE; // 1

    /** Exceptions, with their subclasses, whose message is meant for the user. */
    static final List<Class<? extends Throwable>> USER_ERROR_TYPES = List.of(
            UserError.class,
            IllegalArgumentException.class,
            IOException.class,
            UncheckedIOException.class,
            dev.llmvax.io.ModelFormatException.class);

    private final BooleanSupplier debug; // read when an error is reported, i.e. after parsing

    ErrorReport(BooleanSupplier debug) {
        this.debug = debug;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        return report(ex, cmd.getErr());
    }

    /** Prints the report for {@code thrown} on {@code err} and returns the exit code. */
    int report(Throwable thrown, PrintWriter err) {
        Throwable ex = unwrap(thrown);
        boolean debug = this.debug.getAsBoolean();
        int code;
        if (isUserError(ex)) {
            err.println("llmvax: error: " + userMessage(ex));
            code = EXIT_USER_ERROR;
        } else {
            err.println("llmvax: internal error: " + ex.getClass().getName() + ": " + ex.getMessage()
                    + (debug ? "" : " (rerun with --debug for the stack trace)"));
            code = EXIT_INTERNAL_ERROR;
        }
        if (debug) {
            thrown.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    static boolean isUserError(Throwable ex) {
        for (Class<? extends Throwable> type : USER_ERROR_TYPES) {
            if (type.isInstance(ex)) {
                return true;
            }
        }
        return false;
    }

    /** The message for the user; file-system exceptions say what happened to which path. */
    static String userMessage(Throwable ex) {
        if (ex instanceof UncheckedIOException u && u.getCause() != null) {
            String cause = userMessage(u.getCause());
            // new UncheckedIOException(cause) copies cause.toString(); a message of its own adds context
            return u.getMessage() == null || u.getMessage().equals(u.getCause().toString())
                    ? cause : u.getMessage() + ": " + cause;
        }
        if (ex instanceof FileSystemException fs && fs.getFile() != null) {
            String file = fs.getFile();
            String what = switch (fs) {
                case NoSuchFileException e -> "no such file: " + file;
                case AccessDeniedException e -> "permission denied: " + file;
                case FileAlreadyExistsException e -> "already exists: " + file;
                case NotDirectoryException e -> "not a folder: " + file;
                case DirectoryNotEmptyException e -> "folder not empty: " + file;
                default -> fs.getReason() != null ? file + ": " + fs.getReason() : "cannot access " + file;
            };
            return fs.getOtherFile() != null ? what + " (and " + fs.getOtherFile() + ")" : what;
        }
        String message = ex.getMessage();
        return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message;
    }

    /** Strips the wrappers that concurrency utilities add around the real failure. */
    private static Throwable unwrap(Throwable ex) {
        while ((ex instanceof CompletionException || ex instanceof ExecutionException) && ex.getCause() != null) {
            ex = ex.getCause();
        }
        return ex;
    }
}
