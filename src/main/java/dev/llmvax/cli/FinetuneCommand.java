package dev.llmvax.cli;

import dev.llmvax.data.DataSet;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.train.FineTune;
import dev.llmvax.train.FineTuneOutput;
import dev.llmvax.train.TrainConfig;
import dev.llmvax.util.AtomicOutputDir;
import dev.llmvax.util.Progress;
import dev.llmvax.util.Provenance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code llmvax finetune MODEL --data FILES --out DIR}: LoRA or full supervised fine-tuning. */
@Command(name = "finetune", description = "Fine-tune a model on Alpaca-style instruction data (JSON or JSONL: "
        + "instruction, input, output) rendered with its chat template, loss on the answers. Writes a PEFT adapter "
        + "(LoRA, the default), a merged Hugging Face folder (--merge) or a fully fine-tuned one (--full), with a "
        + "model card and run.json.")
final class FinetuneCommand implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Mixin
    AdapterOption adapter;

    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE[,FILE]",
            description = "Training data: JSON arrays or JSONL of {instruction, input, output}.")
    List<Path> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New folder to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists and is not empty.")
    boolean overwrite;

    @Option(names = "--full", description = "Train every weight (float32 masters, compute in --dtype) instead of "
            + "a LoRA adapter.")
    boolean full;

    @Option(names = "--merge", description = "LoRA: write the base with the adapter merged, as a Hugging Face folder.")
    boolean merge;

    @Option(names = "--lora-r", defaultValue = "8", description = "LoRA rank (default: ${DEFAULT-VALUE}).")
    int loraR;

    @Option(names = "--lora-alpha", defaultValue = "16", description = "LoRA alpha (default: ${DEFAULT-VALUE}).")
    double loraAlpha;

    @Option(names = "--lora-dropout", defaultValue = "0.05", description = "LoRA dropout (default: ${DEFAULT-VALUE}).")
    double loraDropout;

    @Option(names = "--lora-targets", defaultValue = "all-linear", split = ",", paramLabel = "MODULE[,MODULE]",
            description = "q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or all-linear "
                    + "(default: ${DEFAULT-VALUE}).")
    List<String> loraTargets;

    @Option(names = "--epochs", defaultValue = "3", description = "Passes over the data (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", description = "Peak learning rate (default: 2e-4 for LoRA, 2e-5 for --full).")
    Double lr;

    @Option(names = "--batch", defaultValue = "8", description = "Examples per micro-batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--grad-accum", defaultValue = "1", description = "Micro-batches per optimiser step "
            + "(default: ${DEFAULT-VALUE}).")
    int gradAccum;

    @Option(names = "--max-len", defaultValue = "512", description = "Tokens per example at most; longer ones are "
            + "truncated (default: ${DEFAULT-VALUE}).")
    int maxLen;

    @Option(names = "--seed", defaultValue = "42", description = "Data order, LoRA init, dropout (default: "
            + "${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--warmup-ratio", defaultValue = "0.03", description = "Share of steps warming up (default: "
            + "${DEFAULT-VALUE}).")
    double warmupRatio;

    @Option(names = "--weight-decay", defaultValue = "0", description = "AdamW weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Gradient clipping by global norm, 0 for "
            + "none (default: ${DEFAULT-VALUE}).")
    double maxGradNorm;

    @Option(names = "--checkpoint-every", defaultValue = "50", description = "Steps between resumable checkpoints "
            + "(default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue an interrupted run with the same arguments from its last "
            + "checkpoint (kept beside --out until the run finishes).")
    boolean resume;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        TrainConfig cfg = config();
        CommandSupport.refuseOverlap(out, options.model);
        if (merge && full) {
            throw new UserError("--merge applies to LoRA; --full already writes the whole model");
        }
        if (resume && checkpointEvery == 0) {
            Progress.log("--checkpoint-every 0: only the final state is checkpointed");
        }
        DataSet dataSet = DataSet.load(data);
        Path checkpoints = CommandSupport.checkpointsFor(out, resume);
        try (AtomicOutputDir dir = AtomicOutputDir.create(out, overwrite)) {
            Progress.log("loading " + options.model + (adapter.dir != null ? " with adapter " + adapter.dir : ""));
            try (AdaptedModel am = options.load(adapter)) {
                LoadedModel m = am.loaded();
                Map<String, String> baseSha = am.fileSha256();
                Map<String, String> inputs = new LinkedHashMap<>(baseSha);
                dataSet.files().forEach(f -> inputs.put(f.path().toString(), f.sha256()));
                BaseFingerprint baseFp = BaseFingerprint.of(m); // before any weight changes
                FineTune.Plan plan = FineTune.prepare(m, baseFp.value(), dataSet, cfg);
                Progress.log(plan.encoded().summary());
                Progress.log(String.format(Locale.ROOT, "%s fine-tune, %s, %d steps of %d x %d examples",
                        cfg.isLora() ? "LoRA r " + cfg.lora().r() : "full", m.model().precision().hfName(),
                        plan.steps(), cfg.batchSize(), cfg.gradAccum()));
                Provenance prov = Provenance.of(CommandSupport.commandLine(spec), inputs);
                FineTune.Outcome outcome;
                try (Progress bar = new Progress("finetune", plan.steps(), "steps")) {
                    outcome = FineTune.run(m, plan, cfg, checkpoints, resume, s -> bar.step(1, String.format(
                            Locale.ROOT, "loss %.4f  lr %.2e  %.0f tok/s", s.loss(), s.lr(), s.tokens() / s.seconds())));
                }
                try (outcome) {
                    FineTuneOutput.write(dir.tmp(), m, outcome, cfg, prov, baseSha, baseFp,
                            cfg.isLora() && !merge, null, Map.of());
                }
            }
            dir.commit();
        }
        AtomicOutputDir.deleteRecursively(checkpoints);
        Progress.log("wrote " + out);
        return 0;
    }

    private TrainConfig config() {
        try {
            TrainConfig base = full ? TrainConfig.full()
                    : TrainConfig.lora(new LoraConfig(loraR, loraAlpha, loraDropout, loraTargets, false));
            if (lr != null) {
                base = base.withLr(lr);
            }
            return new TrainConfig(base.lora(), epochs, base.lr(), batch, gradAccum, maxLen, seed, warmupRatio,
                    weightDecay, maxGradNorm, checkpointEvery, base.beta1(), base.beta2(), base.eps());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
