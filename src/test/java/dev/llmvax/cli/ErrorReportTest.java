package dev.llmvax.cli;

import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.io.PrintWriter;
import java.io.StringWriter;

import static org.assertj.core.api.Assertions.assertThat;

class ErrorReportTest {

    @Test
    void fileSystemMessagesNameThePath() {
        assertThat(ErrorReport.userMessage(new AccessDeniedException("/root/m"))).isEqualTo("permission denied: /root/m");
        assertThat(ErrorReport.userMessage(new FileSystemException("/d/f", null, "No space left on device")))
                .isEqualTo("/d/f: No space left on device");
        assertThat(ErrorReport.userMessage(new UncheckedIOException("reading the tokenizer", new NoSuchFileException("/t.json"))))
                .isEqualTo("reading the tokenizer: no such file: /t.json");
    }

    @Test
    void subclassesOfRegisteredTypesAreUserErrors() {
        assertThat(ErrorReport.isUserError(new NumberFormatException("x"))).isTrue();
        assertThat(ErrorReport.isUserError(new IllegalStateException("x"))).isFalse();
        assertThat(ErrorReport.isUserError(new NullPointerException())).isFalse();
    }

    @Test
    void wrappersFromConcurrencyAreUnwrapped() {
        StringWriter err = new StringWriter();
        int code = new ErrorReport(() -> false).report(new CompletionException(new UserError("bad --out")), new PrintWriter(err));
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).isEqualTo("llmvax: error: bad --out" + System.lineSeparator());
    }
}
