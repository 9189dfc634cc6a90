package dev.llmvax.cli;

/**
 * A failure the user can fix: a bad flag value, a missing file, an output folder that already
 * exists. {@link Main} prints its message as one line ({@code llmvax: error: <message>}) and exits
 * with code 2; the stack trace is shown only with {@code --debug}.
 *
 * <p>Write the message for the person at the terminal: which file or flag, what was expected, and
 * what to do about it.
 */
public class UserError extends RuntimeException {

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
