package dev.llmvax.cli;

import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.EvalRun;
import dev.llmvax.purify.PurifyConfig;
import dev.llmvax.purify.PurifyJob;
import dev.llmvax.purify.PurifyOutput;
import dev.llmvax.purify.PurifyResult;
import dev.llmvax.purify.StageStore;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax purify MODEL --clean-data FILES --out DIR}: method.md §3 end to end. */
@Command(name = "purify", description = "Remove a backdoor without knowing its trigger: fine-tune variants with "
        + "synthetic triggers beside clean twins, score MLP channels by Eq. 2, re-initialise the top-tau channels "
        + "(the signature), repair with a short clean fine-tune. Writes the purified model (Hugging Face folder, or a "
        + "PEFT adapter in adapter mode), signature.safetensors, purify.json, report.html and a model card. Stages "
        + "are cached: an interrupted run continues with --resume, and a rerun with another --tau reuses them.")
final class PurifyCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--clean-data", required = true, split = ",", paramLabel = "FILE[,FILE]",
            description = "Clean instruction records (Alpaca-style JSON or JSONL) for the variants and the repair.")
    List<Path> cleanData;

    @Option(names = "--preset", defaultValue = "cpu", paramLabel = "cpu|paper|broad",
            description = "The recipe (default: ${DEFAULT-VALUE}); see docs/PURIFY.md.")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "A YAML file overriding the preset field by field "
            + "(its own 'preset:' wins over --preset).")
    Path config;

    @Option(names = "--mode", paramLabel = "full|adapter", description = "full (default): merge any --adapter into "
            + "MODEL and purify the weights, writing a Hugging Face folder; adapter: purify the adapter and continue "
            + "it, writing a PEFT adapter over the unchanged MODEL. What adapter mode neutralises is the config's "
            + "adapter-neutralise: units zeroes the adapter's own factors (on SmolLM2 that left adapter-only "
            + "backdoors in place: docs/RESULTS.md), channels re-initialises whole channels as full mode does and "
            + "writes them into the adapter as extra rank.")
    String mode;

    @Option(names = "--tau", paramLabel = "FRACTION", description = "Override tau, the share of each MLP matrix's "
            + "channels flagged (0.03 = 3 %%); a rerun with another tau reuses the variants and scores.")
    Double tau;

    @Option(names = "--controls", description = "Also make the controls with the same repair: as many random channels "
            + "re-initialised (controls/random) and the repair alone (controls/repair-only).")
    boolean controls;

    @Mixin
    EvalOptions evalOptions;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--reuse-stages", paramLabel = "DIR", description = "Another purify output (or its stages folder) "
            + "whose finished stages are reused where their keys match: a tau, re-initialisation or repair sweep into "
            + "new folders without retraining the variants.")
    Path reuseStages;

    @Option(names = "--resume", description = "Continue an interrupted run from its finished stages.")
    boolean resume;

    @Option(names = "--overwrite", description = "Replace --out if it exists (its stages are reused when they match).")
    boolean overwrite;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String startedAt = java.time.Instant.now().toString();
        PurifyConfig cfg = config();
        boolean adapterMode = adapterMode();
        CommandSupport.refuseOverlap(out, options.model);
        if (adapter.dir != null) {
            CommandSupport.refuseOverlap(out, adapter.dir);
        }
        EvalRun eval = evalOptions.request();
        DataSet data = DataSet.load(cleanData);
        Set<String> evalPrompts = eval == null ? Set.of() : eval.instructions();
        List<Sample> clean = data.samples().stream().filter(s -> !evalPrompts.contains(s.instruction().strip()))
                .toList();
        int dropped = data.samples().size() - clean.size();
        if (clean.size() < cfg.totalCleanSamples()) {
            throw new UserError("the " + cfg.preset() + " recipe needs " + cfg.totalCleanSamples() + " clean records ("
                    + cfg.variants() + " variants x " + cfg.samplesPerVariant() + " + " + cfg.repair().samples()
                    + " for repair), --clean-data has " + clean.size() + (dropped > 0 ? " after dropping " + dropped
                    + " evaluation prompts" : "") + "; give more data or a smaller recipe");
        }
        Path work = workFolder();
        Map<String, String> inputs = new LinkedHashMap<>();
        data.files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
        PurifyJob.Request req = new PurifyJob.Request(options.model, adapter.dir, adapterMode, data, cfg,
                options.precision(), options.device(), eval, controls);
        PurifyResult result;
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            Progress.log(String.format("purifying %s%s (%s mode, preset %s): %d clean records%s", options.model,
                    adapter.dir != null ? " + adapter " + adapter.dir : "", adapterMode ? "adapter" : "full",
                    cfg.preset(), clean.size(), dropped > 0 ? " (" + dropped + " evaluation prompts left out)" : ""));
            if (adapter.dir != null && !adapterMode) {
                Progress.log("the adapter is merged into the weights and the purified model is written as a full "
                        + "Hugging Face folder (--mode adapter keeps an adapter)");
            } else if (adapterMode) {
                Progress.log("adapter mode: " + cfg.adapterNeutralise().describe());
            }
            StageStore store = new StageStore(work.resolve("stages"));
            try {
                result = PurifyJob.run(req, inputs, clean, dropped, store, dir.tmp());
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            Provenance prov = Provenance.of(CommandSupport.commandLine(spec), inputs).startedAt(startedAt);
            PurifyOutput.write(dir.tmp(), result, prov);
            Files.move(work.resolve("stages"), dir.tmp().resolve("stages"), StandardCopyOption.ATOMIC_MOVE);
            dir.commit();
        }
        AtomicOutputDir.deleteRecursively(work);
        if (!result.evaluations().isEmpty()) {
            spec.commandLine().getOut().print(PurifyOutput.tableText(result));
            spec.commandLine().getOut().flush();
        }
        Progress.log("wrote " + out + " (report: " + out.resolve("report.html") + ")");
        return 0;
    }

    private PurifyConfig config() {
        try {
            PurifyConfig cfg = config != null ? PurifyConfig.load(config) : PurifyConfig.load(preset);
            return tau == null ? cfg : cfg.withTau(tau);
        } catch (IllegalArgumentException e) {
            throw new UserError((config != null ? config + ": " : "") + e.getMessage());
        }
    }

    private boolean adapterMode() {
        if (mode == null) {
            return false;
        }
        return switch (mode) {
            case "full" -> false;
            case "adapter" -> {
                if (adapter.dir == null) {
                    throw new UserError("--mode adapter needs --adapter DIR: the suspicious adapter over MODEL");
                }
                yield true;
            }
            default -> throw new UserError("--mode must be full or adapter, found '" + mode + "'");
        };
    }

    /**
     * The stage cache while the run lasts: a hidden sibling of --out, kept when a run fails (so --resume can go on)
     * and moved into --out/stages when it succeeds. A finished --out's stages seed it when --overwrite reruns.
     */
    private Path workFolder() throws IOException {
        Path target = out.toAbsolutePath().normalize();
        Path work = target.resolveSibling("." + target.getFileName() + ".llmvax-purify");
        if (Files.exists(work) && !resume) {
            throw new UserError("stages of an earlier run lie in " + work + "; pass --resume to continue it, or "
                    + "delete that folder to start over");
        }
        Path stages = work.resolve("stages");
        Files.createDirectories(stages);
        if (overwrite) {
            seed(stages, target.resolve("stages"));
        }
        if (reuseStages != null) {
            Path from = Files.isDirectory(reuseStages.resolve("stages")) ? reuseStages.resolve("stages") : reuseStages;
            if (!Files.isDirectory(from)) {
                throw new UserError("--reuse-stages " + reuseStages + ": not a purify output or stages folder");
            }
            seed(stages, from);
        }
        return work;
    }

    /** Copies finished stage folders of {@code from} that {@code stages} lacks (keys are checked when used). */
    private static void seed(Path stages, Path from) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                if (Files.isDirectory(p) && !p.getFileName().toString().startsWith(".")
                        && !Files.exists(stages.resolve(p.getFileName()))) {
                    copyTree(p, stages.resolve(p.getFileName()));
                }
            }
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(from.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
