package dev.llmvax.defend;

import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.DataSplit;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.EvalRun;
import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.io.DType;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.AdapterLoading;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.model.HfExport;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Precision;
import dev.llmvax.purify.PurifyConfig;
import dev.llmvax.purify.VariantData;
import dev.llmvax.train.FineTune;
import dev.llmvax.train.Objective;
import dev.llmvax.train.StepStats;
import dev.llmvax.train.TrainConfig;
import dev.llmvax.train.TrainResult;
import dev.llmvax.util.Progress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Device;

/**
 * One {@code llmvax defend} run: load the suspicious model (an adapter is merged: baselines edit full weights),
 * apply the method, write the defended model as a Hugging Face folder, and evaluate it beside the input when
 * asked. The caller owns the output folder's atomicity.
 */
public final class DefendJob {
    private DefendJob() {}

    /**
     * What to defend and how.
     *
     * @param eval      the evaluation of the defended model, or null for none
     * @param evalInput also evaluate the input model first (skip it when another run already measured it)
     */
    public record Request(Path model, Path adapter, DataSet cleanData, DefendConfig config, Precision precision,
                          Device device, EvalRun eval, boolean evalInput) {}

    /** The clean samples and fine-tune a training defense uses. */
    public record Training(List<Sample> samples, TrainConfig config) {}

    /**
     * The fine-tune of a training defense over {@code clean} (evaluation prompts already removed): the recipe's
     * repair samples and settings, or, at the purify budget, all of the recipe's samples for as many epochs as
     * give the whole purification's example passes (variant twins and repair). CROW trains a LoRA of the
     * variants' shape at its own learning rate, merged afterwards.
     *
     * @throws IllegalArgumentException when {@code clean} holds fewer samples than the recipe needs
     */
    public static Training training(DefendConfig cfg, List<Sample> clean) {
        PurifyConfig r = cfg.recipe();
        VariantData data = VariantData.build(clean, r);
        TrainConfig repair = r.repairTrainConfig(null);
        List<Sample> samples = new ArrayList<>(data.repair());
        int epochs = repair.epochs();
        if (cfg.budget() == Budget.PURIFY) {
            long passes = (long) data.repair().size() * r.repair().epochs();
            for (VariantData.Variant v : data.variants()) {
                passes += r.deltas() == PurifyConfig.DeltaSource.GRADIENT
                        ? v.backdoorMix().size() // one forward and backward over clean + poisoned, no twin trained
                        : (long) (v.backdoorMix().size() + v.clean().size()) * r.variantTraining().epochs();
                samples.addAll(v.clean());
            }
            epochs = (int) Math.max(1, Math.round((double) passes / samples.size()));
        }
        TrainConfig tc = repair.withEpochs(epochs);
        if (cfg.method() == DefenseMethod.CROW) {
            tc = TrainConfig.lora(r.variantTraining().loraConfig()).withEpochs(epochs).withLr(cfg.crowLr())
                    .withBatch(repair.batchSize(), repair.gradAccum()).withMaxLen(repair.maxLen())
                    .withWarmupRatio(repair.warmupRatio()).withSeed(repair.seed());
        }
        return new Training(List.copyOf(samples), tc);
    }

    /**
     * Runs the defense and writes the model into {@code dir}.
     *
     * @param inputSha the clean-data files' sha256; the model's files are added as they are read
     */
    public static DefendResult run(Request req, Map<String, String> inputSha, List<Sample> clean, int dropped,
                                   Path dir) throws IOException {
        DefendConfig cfg = req.config();
        long t0 = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        Map<String, Object> details = new LinkedHashMap<>();
        List<ModelEvaluation> evals = new ArrayList<>();
        Training training = cfg.method().trains() ? training(cfg, clean) : null;
        TrainResult trained = null;
        double evalSeconds = 0;
        try (AdaptedModel am = AdapterLoading.load(req.model(), req.adapter(), req.precision(), req.device())) {
            inputSha.putAll(am.fileSha256());
            am.adapter().ifPresent(PeftAdapter::close); // merged on load; its factors are not needed again
            LoadedModel m = am.loaded();
            String source = req.adapter() != null ? req.adapter().toString() : req.model().toString();
            if (req.eval() != null && req.evalInput()) {
                evals.add(req.eval().measure("suspicious", source, m, seconds));
            }
            if (cfg.method() == DefenseMethod.WANDA || cfg.method() == DefenseMethod.FINE_PRUNING) {
                long t = System.nanoTime();
                details.put("wanda", prune(m, cfg.wanda(), clean));
                seconds.put("wanda", (System.nanoTime() - t) / 1e9);
            }
            if (cfg.method() == DefenseMethod.QUANTIZE) {
                long t = System.nanoTime();
                details.put("quantize", Quantizer.apply(m.model(), cfg.format()));
                seconds.put("quantize", (System.nanoTime() - t) / 1e9);
            }
            if (training != null) {
                long t = System.nanoTime();
                Objective objective = cfg.method() == DefenseMethod.CROW ? new CrowObjective(cfg.crow())
                        : Objective.crossEntropy();
                trained = fineTune(m, training, req.cleanData().files(), objective);
                seconds.put("fine-tune", (System.nanoTime() - t) / 1e9);
            }
            long t = System.nanoTime();
            HfExport.write(m, dir, m.model().precision() == Precision.F32 ? DType.F32 : DType.BF16,
                    Map.of("llmvax_defense", cfg.method().id()));
            seconds.put("write", (System.nanoTime() - t) / 1e9);
            if (req.eval() != null) {
                evals.add(req.eval().measure(cfg.method().id(), dir.toString(), m, seconds));
            }
        }
        for (Map.Entry<String, Double> e : seconds.entrySet()) {
            if (e.getKey().startsWith("eval ")) {
                evalSeconds += e.getValue();
            }
        }
        double total = (System.nanoTime() - t0) / 1e9;
        seconds.put("total", total);
        DefendResult.Cost cost = new DefendResult.Cost(trained == null ? 0 : trained.tokens(), total - evalSeconds);
        return new DefendResult(cfg.method().id(), cfg, clean.size(), dropped,
                training == null ? 0 : training.samples().size(),
                training == null ? 0 : training.config().epochs(), trained, details, evals, cost, seconds);
    }

    /** Tokens per calibration sample at most (chat-templated prompt and answer). */
    static final int CALIBRATION_MAX_LEN = 256;
    private static final long CALIBRATION_SEED = 0;

    /** Wanda calibrated on a seeded sample of {@code clean} (the first {@code calibrationSamples} of a shuffle). */
    private static WandaResult prune(LoadedModel m, WandaConfig w, List<Sample> clean) {
        Progress.log(String.format(Locale.ROOT, "Wanda at sparsity %.2f%s", w.sparsity(),
                w.structured() ? " (structured: whole MLP channels and heads)" : ""));
        try (Progress bar = new Progress("calibration", Math.min(w.calibrationSamples(), clean.size()), "samples")) {
            return Wanda.run(m, DataSplit.sample(clean, clean.size(), CALIBRATION_SEED), CALIBRATION_MAX_LEN, w,
                    bar::step);
        }
    }

    private static TrainResult fineTune(LoadedModel m, Training training, List<DataFile> files, Objective objective) {
        String baseId = BaseFingerprint.of(m).value();
        FineTune.Plan plan = FineTune.prepare(m, baseId, new DataSet(files, training.samples()), training.config());
        try (Progress bar = new Progress("fine-tune", plan.steps(), "steps")) {
            Consumer<StepStats> onStep = s -> bar.step(1, String.format(Locale.ROOT, "loss %.4f  %.0f tok/s",
                    s.loss(), s.tokens() / s.seconds()));
            try (FineTune.Outcome o = FineTune.run(m, plan, training.config(), null, null, false, onStep, objective)) {
                if (o.lora() != null) {
                    LoraMerge.merge(m.model(), o.lora());
                }
                return o.result();
            }
        }
    }
}
