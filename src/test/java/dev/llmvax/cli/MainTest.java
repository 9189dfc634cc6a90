package dev.llmvax.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {

    /** A subcommand that exists only in tests: fails the way it is told to. */
    @Command(name = "fail", description = "test only")
    static final class FailCommand implements Callable<Integer> {
        @Option(names = "--kind", defaultValue = "user")
        String kind;

        @Override
        public Integer call() throws Exception {
            throw switch (kind) {
                case "user" -> new UserError("model folder /m has no config.json; pass a Hugging Face folder");
                case "arg" -> new IllegalArgumentException("--batch must be positive, got 0");
                case "nofile" -> new NoSuchFileException("/nope/model.safetensors");
                case "unchecked" -> new UncheckedIOException(new NoSuchFileException("/nope/x.gguf"));
                case "format" -> new dev.llmvax.io.ModelFormatException(java.nio.file.Path.of("m.safetensors"),
                        "tensor blk.0.attn_q.weight: shape [3] but 8 bytes");
                default -> new IllegalStateException("boom");
            };
        }
    }

    @Command(name = "ok", mixinStandardHelpOptions = true, description = "test only")
    static final class OkCommand implements Callable<Integer> {
        @Override
        public Integer call() {
            return 0;
        }
    }

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err),
                List.of(new FailCommand(), new OkCommand()), args);
        return new Run(code, out.toString(), err.toString());
    }

    /** A '%' in a description that is not '%%' makes picocli print a WARN line above the help. */
    @Test
    void everyCommandsHelpRendersCleanly() throws Exception {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream tracer = new java.io.ByteArrayOutputStream();
        try {
            System.setErr(new java.io.PrintStream(tracer, true, java.nio.charset.StandardCharsets.UTF_8));
            for (Class<?> sub : Main.SUBCOMMANDS) {
                String name = sub.getAnnotation(Command.class).name();
                StringWriter out = new StringWriter();
                int code = Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()), List.of(), name, "--help");
                assertThat(code).as(name).isZero();
                assertThat(out.toString()).as(name).contains("Usage: llmvax " + name);
            }
        } finally {
            System.setErr(saved);
        }
        assertThat(Main.SUBCOMMANDS).hasSizeGreaterThanOrEqualTo(12);
        assertThat(tracer.toString(java.nio.charset.StandardCharsets.UTF_8)).doesNotContain("WARN");
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        Run r = run("purrify");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).startsWith("llmvax: error: unknown subcommand 'purrify'")
                .contains("Try 'llmvax --help'");
    }

    @Test
    void unknownOptionOfASubcommandIsAUsageError() {
        Run r = run("fail", "--nope");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).startsWith("llmvax: error: Unknown option: '--nope'").contains("Try 'llmvax fail --help'");
    }

    @Test
    void noSubcommandIsAUsageError() {
        Run r = run();
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).startsWith("llmvax: error: missing subcommand");
    }

    @Test
    void versionPrintsTheVersion() {
        Run r = run("--version");
        assertThat(r.code).isZero();
        // tests run from classes, without the jar manifest
        assertThat(r.out).startsWith("llmvax dev").contains("Java " + Runtime.version());
    }

    @Test
    void helpListsSubcommandsAndDebug() {
        Run r = run("--help");
        assertThat(r.code).isZero();
        assertThat(r.out).contains("Usage: llmvax", "--debug", "fail", "ok", "help");
    }

    @Test
    void subcommandsInheritHelpAndDebug() {
        Run r = run("fail", "--help");
        assertThat(r.code).isZero();
        assertThat(r.out).contains("Usage: llmvax fail", "--debug", "--kind");
        assertThat(run("ok", "--help").out).contains("Usage: llmvax ok"); // declares the help mixin itself too
    }

    @Test
    void userErrorIsOneLineWithoutStackTrace() {
        Run r = run("fail");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).isEqualTo("llmvax: error: model folder /m has no config.json; pass a Hugging Face folder"
                + System.lineSeparator());
        assertThat(r.out).isEmpty();
    }

    @Test
    void debugShowsTheStackTraceWhereverItIsGiven() {
        for (String[] args : List.of(new String[] {"--debug", "fail"}, new String[] {"fail", "--debug"})) {
            Run r = run(args);
            assertThat(r.code).isEqualTo(2);
            assertThat(r.err).startsWith("llmvax: error: model folder")
                    .contains("dev.llmvax.cli.UserError", "\tat dev.llmvax.cli.MainTest$FailCommand.call");
        }
    }

    @Test
    void otherUserErrorTypesAreOneLine() {
        assertThat(run("fail", "--kind", "arg").err).isEqualTo("llmvax: error: --batch must be positive, got 0" + System.lineSeparator());
        assertThat(run("fail", "--kind", "nofile").err).isEqualTo("llmvax: error: no such file: /nope/model.safetensors" + System.lineSeparator());
        assertThat(run("fail", "--kind", "unchecked").err).isEqualTo("llmvax: error: no such file: /nope/x.gguf" + System.lineSeparator());
        Run format = run("fail", "--kind", "format");
        assertThat(format.code).isEqualTo(2);
        assertThat(format.err).isEqualTo("llmvax: error: m.safetensors: tensor blk.0.attn_q.weight: shape [3] but 8 bytes" + System.lineSeparator());
    }

    @Test
    void anyOtherExceptionIsAnInternalError() {
        Run r = run("fail", "--kind", "bug");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).isEqualTo("llmvax: internal error: java.lang.IllegalStateException: boom"
                + " (rerun with --debug for the stack trace)" + System.lineSeparator());

        Run debug = run("--debug", "fail", "--kind", "bug");
        assertThat(debug.code).isEqualTo(1);
        assertThat(debug.err).startsWith("llmvax: internal error: java.lang.IllegalStateException: boom" + System.lineSeparator())
                .contains("\tat dev.llmvax.cli.MainTest$FailCommand.call");
    }

    @Test
    void successIsExitZero() {
        assertThat(run("ok").code).isZero();
    }
}
