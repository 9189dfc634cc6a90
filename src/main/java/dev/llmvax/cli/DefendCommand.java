package dev.llmvax.cli;

import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.defend.Budget;
import dev.llmvax.defend.CrowConfig;
import dev.llmvax.defend.DefendConfig;
import dev.llmvax.defend.DefendJob;
import dev.llmvax.defend.DefendOutput;
import dev.llmvax.defend.DefendResult;
import dev.llmvax.defend.DefenseMethod;
import dev.llmvax.defend.QuantFormat;
import dev.llmvax.defend.WandaConfig;
import dev.llmvax.eval.EvalRun;
import dev.llmvax.eval.EvalTable;
import dev.llmvax.purify.PurifyConfig;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax defend MODEL --method M --clean-data FILES --out DIR}: the baselines of method.md §5. */
@Command(name = "defend", description = "Apply a baseline defense, to compare with purify on the same models and "
        + "evaluator: finetune (clean fine-tuning), wanda (pruning), fine-pruning (wanda then fine-tuning), quantize "
        + "(Q8_0 / Q4_0 rounding) or crow (consistency-regularised fine-tuning). Writes the defended model (Hugging "
        + "Face folder), defend.json, report.html and a model card.")
final class DefendCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--method", required = true, paramLabel = "finetune|wanda|fine-pruning|quantize|crow",
            description = "The defense.")
    String method;

    @Option(names = "--clean-data", required = true, split = ",", paramLabel = "FILE[,FILE]",
            description = "Clean instruction records (Alpaca-style JSON or JSONL): fine-tuning data and calibration.")
    List<Path> cleanData;

    @Option(names = "--preset", defaultValue = "cpu", paramLabel = "cpu|paper|broad", description = "The purify "
            + "recipe whose data split and repair fine-tune the training defenses reuse (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "A purify YAML config instead of --preset.")
    Path config;

    @Option(names = "--budget", paramLabel = "repair|purify", description = "finetune, fine-pruning, crow: the "
            + "repair's samples and epochs (default), or as many example passes as a whole purification.")
    String budget;

    @Option(names = "--sparsity", paramLabel = "FRACTION", description = "wanda, fine-pruning: share of weights "
            + "pruned (default 0.35, the method authors' setting).")
    Double sparsity;

    @Option(names = "--structured", description = "wanda, fine-pruning: prune whole MLP channels instead of single "
            + "weights.")
    boolean structured;

    @Option(names = "--calibration", paramLabel = "N", description = "wanda, fine-pruning: clean calibration samples "
            + "(default 128).")
    Integer calibration;

    @Option(names = "--format", paramLabel = "q8_0|q4_0", description = "quantize: the rounding format (default "
            + "q4_0).")
    String format;

    @Option(names = "--crow-alpha", paramLabel = "A", description = "crow: weight of the consistency loss.")
    Double crowAlpha;

    @Option(names = "--crow-epsilon", paramLabel = "E", description = "crow: size of the adversarial embedding step.")
    Double crowEpsilon;

    @Option(names = "--lr", paramLabel = "LR", description = "crow: LoRA learning rate (default 2e-4, the standard "
            + "rate; CROW's own is 1e-3).")
    Double lr;

    @Mixin
    EvalOptions evalOptions;

    @Option(names = "--no-eval-input", negatable = false, description = "With --eval-task: evaluate only the "
            + "defended model, not the input too (when another run, e.g. purify's, already measured it).")
    boolean noEvalInput;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists and is not empty.")
    boolean overwrite;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String startedAt = java.time.Instant.now().toString();
        DefendConfig cfg = config();
        CommandSupport.refuseOverlap(out, options.model);
        if (adapter.dir != null) {
            CommandSupport.refuseOverlap(out, adapter.dir);
        }
        EvalRun eval = evalOptions.request();
        if (eval == null && noEvalInput) {
            throw new UserError("--no-eval-input needs --eval-task and --eval-attack");
        }
        DataSet data = DataSet.load(cleanData);
        Set<String> evalPrompts = eval == null ? Set.of() : eval.instructions();
        List<Sample> clean = data.samples().stream().filter(s -> !evalPrompts.contains(s.instruction().strip()))
                .toList();
        int dropped = data.samples().size() - clean.size();
        String why = dropped > 0 ? " after leaving out " + dropped + " evaluation prompts" : "";
        if (clean.isEmpty()) {
            throw new UserError("empty calibration set: --clean-data has no records" + why);
        }
        if (cfg.method().trains() && clean.size() < cfg.recipe().totalCleanSamples()) {
            throw new UserError("the " + cfg.recipe().preset() + " recipe's data split needs "
                    + cfg.recipe().totalCleanSamples() + " clean records, --clean-data has " + clean.size() + why
                    + "; give more data or another --preset");
        }
        Map<String, String> inputs = new LinkedHashMap<>();
        data.files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
        DefendJob.Request req = new DefendJob.Request(options.model, adapter.dir, data, cfg, options.precision(),
                options.device(), eval, !noEvalInput);
        DefendResult result;
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            Progress.log("defending " + options.model + (adapter.dir != null ? " + adapter " + adapter.dir : "")
                    + " with " + cfg.method().id() + ": " + clean.size() + " clean records" + why);
            try {
                result = DefendJob.run(req, inputs, clean, dropped, dir.tmp());
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            Provenance prov = Provenance.of(CommandSupport.commandLine(spec), inputs).startedAt(startedAt);
            DefendOutput.write(dir.tmp(), result, prov);
            dir.commit();
        }
        if (!result.evaluations().isEmpty()) {
            spec.commandLine().getOut().print(EvalTable.text(result.evaluations()));
            spec.commandLine().getOut().flush();
        }
        Progress.log("wrote " + out + " (report: " + out.resolve("report.html") + ")");
        return 0;
    }

    /** The settings, refusing options that do not belong to the chosen method. */
    private DefendConfig config() {
        try {
            DefenseMethod m = DefenseMethod.parse(method);
            boolean prunes = m == DefenseMethod.WANDA || m == DefenseMethod.FINE_PRUNING;
            only(prunes, sparsity != null || structured || calibration != null,
                    "--sparsity, --structured and --calibration apply to wanda and fine-pruning");
            only(m == DefenseMethod.QUANTIZE, format != null, "--format applies to quantize");
            only(m.trains(), budget != null, "--budget applies to finetune, fine-pruning and crow");
            only(m == DefenseMethod.CROW, crowAlpha != null || crowEpsilon != null || lr != null,
                    "--crow-alpha, --crow-epsilon and --lr apply to crow");
            PurifyConfig recipe = config != null ? PurifyConfig.load(config) : PurifyConfig.load(preset);
            WandaConfig w = WandaConfig.of(WandaConfig.DEFAULT_SPARSITY);
            if (sparsity != null || structured || calibration != null) {
                w = new WandaConfig(sparsity != null ? sparsity : w.sparsity(), structured,
                        calibration != null ? calibration : w.calibrationSamples(), w.matrices());
            }
            CrowConfig c = CrowConfig.DEFAULT;
            if (crowAlpha != null || crowEpsilon != null) {
                c = new CrowConfig(crowAlpha != null ? crowAlpha : c.alpha(), crowEpsilon != null ? crowEpsilon
                        : c.epsilon());
            }
            return new DefendConfig(m, recipe, budget != null ? Budget.parse(budget) : Budget.REPAIR, w,
                    format != null ? QuantFormat.parse(format) : QuantFormat.Q4_0, c,
                    lr != null ? lr : DefendConfig.STANDARD_LR);
        } catch (IllegalArgumentException e) {
            throw new UserError((config != null ? config + ": " : "") + e.getMessage());
        }
    }

    private void only(boolean applies, boolean given, String message) {
        if (given && !applies) {
            throw new UserError(message + ", not to --method " + method);
        }
    }
}
