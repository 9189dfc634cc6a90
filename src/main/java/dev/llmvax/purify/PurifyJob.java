package dev.llmvax.purify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.EvalRun;
import dev.llmvax.eval.ModelAnswers;
import dev.llmvax.eval.ModelEvaluation;
import dev.llmvax.eval.ModelRef;
import dev.llmvax.io.DType;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.AdapterLoading;
import dev.llmvax.lora.BaseFingerprint;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.PeftAdapter;
import org.bytedeco.pytorch.Device;
import dev.llmvax.model.HfExport;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.purify.Purifier.Arm;
import dev.llmvax.util.Hashing;
import dev.llmvax.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One {@code llmvax purify} run from loaded inputs to a filled output folder: the stages of {@link Purifier}, the
 * purified model (and the controls), the signature, and optionally the evaluation of every model it made beside
 * the suspicious one. The caller owns the output folder's atomicity and the stage store's location.
 */
public final class PurifyJob {
    private static final ObjectMapper EVAL_JSON = new ObjectMapper();

    private PurifyJob() {}

    /**
     * What to purify and how.
     *
     * @param model       the suspicious model (GGUF or HF folder), or the base in adapter mode
     * @param adapter     a PEFT adapter over {@code model}, or null
     * @param adapterMode purify the adapter itself (zero its factors, continue it) rather than merged weights
     * @param cleanData   the defender's clean instruction records, already loaded
     * @param eval        the evaluation to run on the suspicious, purified and control models, or null
     * @param controls    also make the random-channel and repair-only controls
     */
    public record Request(Path model, Path adapter, boolean adapterMode, DataSet cleanData, PurifyConfig config,
                          Precision precision, Device device, EvalRun eval, boolean controls) {}

    /**
     * Runs every stage and writes the results into {@code dir}.
     *
     * @param inputSha the clean-data files' sha256; the model's and adapter's files are added as they are read
     * @param store    where stages are cached (a resumable folder the caller keeps across runs)
     * @return what happened, also written as {@code purify.json} by the caller
     */
    public static PurifyResult run(Request req, Map<String, String> inputSha, List<Sample> clean, int dropped,
                                   StageStore store, Path dir) throws IOException {
        PurifyConfig cfg = req.config();
        long t0 = System.nanoTime();
        Map<String, Double> seconds = new LinkedHashMap<>();
        VariantData data = VariantData.build(clean, cfg);
        List<ModelEvaluation> evals = new ArrayList<>();
        List<Purifier.VariantResult> variants;
        Purifier.ScoresResult scores;
        Signature signature;
        SignatureAgreement agreement;
        AdapterCoverage coverage = null;
        List<Purifier.ArmResult> arms = new ArrayList<>();
        List<DataFile> files = req.cleanData().files();
        String runKey;
        Measured before = new Measured(data.repair(), null);
        if (req.adapterMode() && (cfg.repair().answers() == PurifyConfig.RepairAnswers.MODEL || cfg.protect() > 0)) {
            try (AdaptedModel am = AdapterLoading.load(req.model(), req.adapter(), req.precision(), req.device())) {
                before = measureSuspicious(am.loaded(), data.repair(), cfg, seconds); // base + adapter, merged
            }
        }
        try (Suspect s = Suspect.load(req, clean, inputSha)) {
            runKey = s.suspect().runKey();
            requireLayersInModel(cfg.tauFor(req.adapterMode()), s.loaded().model().config().numLayers());
            if (req.eval() != null && !req.adapterMode()) { // variants leave full weights untouched: measure now
                evals.add(evaluateSuspicious(req, s.loaded(), req.model().toString(), runKey, store, seconds));
            }
            if (!req.adapterMode()) {
                before = measureSuspicious(s.loaded(), data.repair(), cfg, seconds);
            }
            long t = System.nanoTime();
            variants = Purifier.variants(s.suspect(), data, cfg, files, store, Progress::log);
            seconds.put("variants", (System.nanoTime() - t) / 1e9);
            scores = Purifier.scores(s.suspect(), cfg, store);
            seconds.put("scores", scores.seconds());
            signature = Purifier.signature(s.suspect(), cfg, scores.scores(), before.spared());
            Progress.log(String.format(Locale.ROOT, "signature: %d channels of %d matrices (tau %s, score %s)",
                    signature.total(), signature.selections().size(), cfg.tauFor(req.adapterMode()).describe(),
                    cfg.score().id()));
            agreement = agreement(s.suspect(), cfg, store, before.spared(), seconds);
            if (req.adapterMode() && cfg.adapterNeutralise() == PurifyConfig.AdapterNeutralise.UNITS) {
                coverage = coverage(s.suspect(), signature); // whole channels are cut whatever the adapter's share
            }
            SignatureFile.write(dir.resolve(SignatureFile.FILE_NAME), scores.scores(), cfg.scoresSha256());
            arms.add(finishArm(s, req, Arm.SIGNATURE, signature, before, dir, evals, seconds));
        }
        if (req.controls()) {
            for (Arm arm : List.of(Arm.RANDOM, Arm.REPAIR_ONLY)) {
                try (Suspect s = Suspect.load(req, clean, new LinkedHashMap<>())) {
                    arms.add(finishArm(s, req, arm, signature, before,
                            dir.resolve("controls").resolve(arm.id()), evals, seconds));
                }
            }
        }
        if (req.eval() != null && req.adapterMode()) {
            try (AdaptedModel am = AdapterLoading.load(req.model(), req.adapter(), req.precision(), req.device())) {
                evals.addFirst(evaluateSuspicious(req, am.loaded(), req.adapter().toString(), runKey, store,
                        seconds));
            }
        }
        seconds.put("total", (System.nanoTime() - t0) / 1e9);
        return new PurifyResult(cfg, req.adapterMode(), clean.size(), dropped, variants, scores.file().toString(),
                scores.cached(), SignatureCounts.of(signature), agreement, coverage, arms, evals, seconds,
                scores.scores(), signature);
    }

    /**
     * The suspicious model's evaluation, stored as a stage under the model's run key and the evaluation's
     * fingerprint: a rerun with another τ or repair, or a sweep with {@code --reuse-stages}, does not spend minutes
     * measuring the same model again (greedy decoding gives the same answers).
     */
    private static ModelEvaluation evaluateSuspicious(Request req, LoadedModel m, String source, String runKey,
                                                      StageStore store, Map<String, Double> seconds)
            throws IOException {
        String key = Hashing.sha256(("eval-suspicious-v1\n" + runKey + "\n" + req.eval().fingerprint() + "\n"
                + (m.model().device().is_cuda() ? "cuda" : "cpu")).getBytes(StandardCharsets.UTF_8));
        boolean cached = store.find("eval-suspicious", key).isPresent();
        Path dir = store.getOrRun("eval-suspicious", key, tmp -> EVAL_JSON.writeValue(
                tmp.resolve("evaluation.json").toFile(), req.eval().measure("suspicious", source, m, seconds)));
        ModelEvaluation e = EVAL_JSON.readValue(dir.resolve("evaluation.json").toFile(), ModelEvaluation.class);
        if (cached) {
            Progress.log("eval suspicious: the stored evaluation of the same model and test sets (" + dir + ")");
        }
        ModelRef r = e.model(); // the stored one may name another path to the same files
        return new ModelEvaluation(new ModelRef(r.role(), r.label(), source, r.adapter(), r.dtype(), r.device(),
                r.sha256()), e.loadSeconds(), e.attack(), e.utility());
    }

    /** The halves' agreement on the signature (null with one variant), logged as it is known. */
    private static SignatureAgreement agreement(Purifier.Suspect s, PurifyConfig cfg, StageStore store,
                                                boolean[][] spared, Map<String, Double> seconds) throws IOException {
        long t = System.nanoTime();
        List<ChannelScores> halves = Purifier.halfScores(s, cfg, store);
        if (halves.isEmpty()) {
            return null;
        }
        SignatureAgreement a = SignatureAgreement.of(Purifier.signature(s, cfg, halves.get(0), spared),
                Purifier.signature(s, cfg, halves.get(1), spared), SignatureAgreement.halves(cfg.variants()));
        seconds.put("agreement", (System.nanoTime() - t) / 1e9);
        Progress.log("signature agreement: " + a.describe());
        return a;
    }

    /** Adapter mode: the adapter's share in the signature's units, logged with a warning when it is chance's. */
    private static AdapterCoverage coverage(Purifier.Suspect s, Signature signature) {
        AdapterCoverage c = AdapterCoverage.of(s.adapter(), signature, s.model().config());
        Progress.log("adapter coverage: " + c.describe());
        if (!c.singlesOutAdapter()) {
            Progress.log("warning: " + PurifyOutput.WEAK_COVERAGE);
        }
        return c;
    }

    /** A τ layer range that starts past the model's last layer would flag nothing: refused before any training. */
    static void requireLayersInModel(PurifyConfig.Tau tau, int layers) {
        if (tau.firstLayer() >= layers) {
            throw new IllegalArgumentException("tau.layers starts at layer " + tau.firstLayer() + " but the model has "
                    + layers + " layers (0-" + (layers - 1) + ")");
        }
    }

    /**
     * What is measured on the suspicious model before any neutralising.
     *
     * @param repair the repair records (with the model's own answers when the config asks for them)
     * @param spared per layer, the channels {@code protect} keeps out of the signature; null when it is 0
     */
    private record Measured(List<Sample> repair, boolean[][] spared) {}

    private static Measured measureSuspicious(LoadedModel suspicious, List<Sample> repair, PurifyConfig cfg,
                                              Map<String, Double> seconds) {
        List<Sample> records = cfg.repair().answers() == PurifyConfig.RepairAnswers.MODEL
                ? modelAnswers(suspicious, repair, cfg, seconds) : repair;
        if (!(cfg.protect() > 0)) {
            return new Measured(records, null);
        }
        long t = System.nanoTime();
        boolean[][] spared;
        try (Progress bar = new Progress("channel importance", records.size(), "samples")) {
            // the repair records stand for clean use: disjoint from the variants' data, as clean as the defender's
            spared = ChannelImportance.mostUsed(suspicious, records, cfg.repair().maxLen(), cfg.protect(),
                    n -> bar.step(n, ""));
        }
        seconds.put("channel importance", (System.nanoTime() - t) / 1e9);
        return new Measured(records, spared);
    }

    /**
     * The suspicious model's own greedy answers to the repair prompts, made before anything is neutralised. The
     * backdoor does not fire on clean prompts (or rarely), so these answers are the behaviour the repair should
     * restore; the data's answers are another model's, which the repair would also have to learn.
     */
    private static List<Sample> modelAnswers(LoadedModel suspicious, List<Sample> repair, PurifyConfig cfg,
                                             Map<String, Double> seconds) {
        long t = System.nanoTime();
        List<Sample> answered;
        try (Progress bar = new Progress("repair answers", repair.size(), "answers")) {
            answered = ModelAnswers.of(suspicious, repair, cfg.repair().maxLen(), n -> bar.step(n, ""));
        }
        seconds.put("repair answers", (System.nanoTime() - t) / 1e9);
        return answered;
    }

    /** Neutralise, repair, write (and evaluate) one arm into {@code out}. */
    private static Purifier.ArmResult finishArm(Suspect s, Request req, Arm arm, Signature signature,
                                                Measured before, Path out, List<ModelEvaluation> evals,
                                                Map<String, Double> seconds) throws IOException {
        Progress.log("neutralising (" + arm.id() + ") and repairing");
        Purifier.Repaired r = Purifier.neutraliseAndRepair(s.suspect(), req.config(), signature, before.spared(),
                arm, before.repair(), req.cleanData().files());
        seconds.put("neutralise " + arm.id(), r.result().neutraliseSeconds());
        seconds.put("repair " + arm.id(), r.result().repairSeconds());
        Files.createDirectories(out);
        LoadedModel m = s.loaded();
        Map<String, String> meta = Map.of("llmvax_purify_arm", arm.id());
        if (r.adapter() != null) {
            int rank = s.suspect().adapterConfig().r();
            if (r.adapter().config().r() != rank) {
                int extra = r.adapter().config().r() - rank;
                Progress.log(String.format(Locale.ROOT, "%s: the adapter carries the re-initialised channels in %d "
                        + "extra rank%s (rank %d -> %d)", arm.id(), extra, extra == 1 ? "" : "s", rank, rank + extra));
            }
            try (LoraWeights adapter = r.adapter()) {
                PeftAdapter.writeFiles(out, adapter, new PeftAdapter.Meta(req.model().toString(),
                        BaseFingerprint.of(m), meta));
                if (req.eval() != null) {
                    LoraMerge.merge(m.model(), adapter); // the purified model = base + repaired adapter
                }
            }
        } else {
            HfExport.write(m, out, m.model().precision() == Precision.F32 ? DType.F32 : DType.BF16, meta);
        }
        if (req.eval() != null) {
            evals.add(req.eval().measure(arm == Arm.SIGNATURE ? "purified" : "control: " + arm.id(), out.toString(),
                    m, seconds));
        }
        return r.result();
    }

    /** Everything the stage keys hang on: model and adapter files, the clean records used, the mode. */
    private static String runKey(Request req, Map<String, String> inputSha, List<Sample> clean) {
        if (inputSha.isEmpty()) {
            throw new IllegalStateException("no input hashes");
        }
        StringBuilder b = new StringBuilder("llmvax-purify-v1\n").append(req.adapterMode()).append('\n')
                .append(req.precision()).append('\n');
        new TreeMap<>(inputSha).forEach((k, v) -> b.append(v).append('\n'));
        for (Sample x : clean) {
            b.append(x.instruction()).append('\u0000').append(x.input()).append('\u0000').append(x.output()).append('\n');
        }
        return Hashing.sha256(b.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** The loaded suspect: full weights (any adapter merged), or base + unmerged adapter in adapter mode. */
    private record Suspect(LoadedModel loaded, PeftAdapter peft, Purifier.Suspect suspect) implements AutoCloseable {
        /** Loads the suspect and adds the sha256 of every file it read to {@code inputSha}. */
        static Suspect load(Request req, List<Sample> clean, Map<String, String> inputSha) throws IOException {
            if (!req.adapterMode()) {
                AdaptedModel am = AdapterLoading.load(req.model(), req.adapter(), req.precision(), req.device());
                try {
                    inputSha.putAll(am.fileSha256());
                } catch (IOException | RuntimeException e) {
                    am.close();
                    throw e;
                }
                am.adapter().ifPresent(PeftAdapter::close); // merged; its factors are not needed again
                LoadedModel m = am.loaded();
                return new Suspect(m, null, new Purifier.Suspect(m, null, runKey(req, inputSha, clean),
                        BaseFingerprint.of(m).value()));
            }
            LoadedModel base = ModelLoader.load(req.model(), req.precision(), req.device());
            try {
                PeftAdapter a = AdapterLoading.readFor(base, req.adapter());
                AdaptedModel view = new AdaptedModel(base, java.util.Optional.of(a)); // for its file hashes only
                inputSha.putAll(view.fileSha256());
                return new Suspect(base, a, new Purifier.Suspect(base, a.weights(), runKey(req, inputSha, clean),
                        BaseFingerprint.of(base).value()));
            } catch (IOException | RuntimeException e) {
                base.close();
                throw e;
            }
        }

        @Override
        public void close() {
            if (peft != null) {
                peft.close();
            }
            loaded.close();
        }
    }
}
