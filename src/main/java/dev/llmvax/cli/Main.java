package dev.llmvax.cli;

import dev.llmvax.util.BuildInfo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code llmvax} command: global options, the subcommand list and the error policy.
 *
 * <p>Exit codes: 0 success; 2 user error (bad arguments, missing file, refused output, model
 * format problem: one line {@code llmvax: error: ...}); 1 internal error (a bug). See
 * {@link ErrorReport} for which exceptions count as user errors.
 *
 * <p>A subcommand is a class annotated with {@code @Command} implementing {@code Callable<Integer>}
 * or {@code Runnable}; it throws {@link UserError} for problems the user can fix. {@code --debug},
 * {@code --help} and {@code --version} are inherited by every subcommand.
 */
@Command(name = "llmvax",
        scope = ScopeType.INHERIT, // subcommands inherit --help/--version and the usage settings
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        usageHelpAutoWidth = true,
        description = "Removes backdoors from instruction-tuned LLMs without knowing the trigger.",
        footer = "%nExit codes: 0 ok, 1 internal error (a bug), 2 user error.")
public final class Main implements Runnable {

    /**
     * The subcommands, in the order {@code llmvax --help} lists them.
     * To add one, add its class here (one line), e.g. {@code InfoCommand.class,}.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            InfoCommand.class,
            GenerateCommand.class,
            ConvertCommand.class,
            FinetuneCommand.class,
            PoisonCommand.class,
            ImplantCommand.class,
            EvalCommand.class,
            PurifyCommand.class,
            DefendCommand.class,
            DemoCommand.class,
            ReportCommand.class,
            BenchCommand.class,
            HelpCommand.class);

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error (for bug reports).")
    boolean debug;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        dev.llmvax.model.Engine.init(); // before anything loads libtorch
        System.exit(run(args));
    }

    /** Runs {@code llmvax args...} on System.out/System.err and returns the exit code. */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), List.of(), args);
    }

    /** As {@link #run(String...)}, on the given streams and with extra subcommands (for tests). */
    static int run(PrintWriter out, PrintWriter err, List<?> extraSubcommands, String... args) {
        Main main = new Main();
        CommandLine cmd = new CommandLine(main);
        List<Object> subcommands = new ArrayList<>(SUBCOMMANDS);
        subcommands.addAll(extraSubcommands);
        for (Object sub : subcommands) {
            cmd.addSubcommand(sub);
        }
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setExecutionExceptionHandler(new ErrorReport(() -> main.debug));
        cmd.setParameterExceptionHandler(Main::reportParameterError);
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** {@code llmvax} without a subcommand. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing subcommand");
    }

    /** One error line, suggestions for a typo, and where to find the usage. Exit code 2. */
    private static int reportParameterError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("llmvax: error: " + parameterMessage(ex));
        UnmatchedArgumentException.printSuggestions(ex, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static String parameterMessage(ParameterException ex) {
        CommandLine cmd = ex.getCommandLine();
        if (ex instanceof UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
                && cmd.getCommandSpec().positionalParameters().isEmpty()) {
            List<String> unmatched = u.getUnmatched();
            if (!unmatched.isEmpty() && !unmatched.getFirst().startsWith("-")) {
                return "unknown subcommand '" + unmatched.getFirst() + "'";
            }
        }
        return ex.getMessage();
    }

    /** {@code --version}: the jar's Implementation-Version ("dev" outside the jar) and the runtime. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"llmvax " + BuildInfo.version(), "Java " + BuildInfo.javaVersion() + ", " + BuildInfo.os()};
        }
    }
}
