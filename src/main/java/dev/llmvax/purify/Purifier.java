package dev.llmvax.purify;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.data.DataFile;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.io.DType;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.lora.PeftAdapter;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.purify.PurifyConfig.TrainMode;
import dev.llmvax.train.FineTune;
import dev.llmvax.train.StepStats;
import dev.llmvax.train.TrainConfig;
import dev.llmvax.train.TrainResult;
import dev.llmvax.util.Hashing;
import dev.llmvax.util.Progress;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;

/**
 * The purifier's stages (method.md §3) over one suspicious model, each cached in a {@link StageStore} under a
 * key of everything it depends on:
 * <ol>
 *   <li>variants: per binding, a backdoor twin and a clean twin fine-tuned from the suspicious weights (LoRA
 *       adapters, stored as PEFT folders);</li>
 *   <li>scores: Eq. 1 deltas fed one variant at a time into Eq. 2 ({@code signature.safetensors});</li>
 *   <li>signature: top-τ per matrix under the config's score rule (cheap, never cached);</li>
 *   <li>neutralise and repair: on the model in memory, which the caller then writes out.</li>
 * </ol>
 * The suspicious model is either full weights ({@code adapter == null}) or a base plus a LoRA adapter that stays
 * unmerged: then variants and repair continue that adapter, and neutralising zeroes its factors or, with
 * {@code adapter-neutralise: channels}, re-initialises whole channels into it ({@link AdapterChannels}).
 */
public final class Purifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Purifier() {}

    /** What to neutralise: the signature, or a control with the same repair. */
    public enum Arm {
        /** The signature's channels: the method. */
        SIGNATURE,
        /** As many channels per matrix as the signature, drawn at random: does the signature matter? */
        RANDOM,
        /** Nothing re-initialised, repair only: does neutralising matter? */
        REPAIR_ONLY;

        public String id() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The suspicious model and what identifies it.
     *
     * @param model    loaded; in adapter mode the base, with {@code adapter} NOT merged
     * @param adapter  the suspicious adapter (adapter mode), or null for a full-weight model
     * @param runKey   a hash of every model, adapter and clean-data file (and of the records left out): the root
     *                 of every stage key
     * @param baseId   the base weights' fingerprint, for fine-tune checkpoints
     */
    public record Suspect(LoadedModel model, LoraWeights adapter, String runKey, String baseId) {
        public boolean adapterMode() {
            return adapter != null;
        }

        public LoraConfig adapterConfig() {
            return adapter == null ? null : adapter.config();
        }
    }

    /** One variant's two fine-tunes. */
    public record VariantResult(int index, String key, String behaviour, String family, int backdoorExamples,
                                int cleanExamples, double backdoorFirstLoss, double backdoorLastLoss,
                                double cleanFirstLoss, double cleanLastLoss, long tokens, double seconds,
                                boolean cached) {}

    /** The channel scores and where they are stored. */
    public record ScoresResult(ChannelScores scores, Path file, double seconds, boolean cached) {}

    /** Neutralising and repair of one arm. */
    public record ArmResult(Arm arm, int units, double neutraliseSeconds, TrainResult repair, double repairSeconds) {}

    /** Stage 1 for every active binding; cached variants are read back, not retrained. */
    public static List<VariantResult> variants(Suspect s, VariantData data, PurifyConfig cfg, List<DataFile> files,
                                               StageStore store, Consumer<String> log) throws IOException {
        if (cfg.deltas() == PurifyConfig.DeltaSource.TRAINED && cfg.variantTraining().mode() == TrainMode.FULL) {
            // full-weight twins would need a model copy per twin and 2 x N stored models; LoRA twins cost neither
            throw new IllegalArgumentException("variant-training.mode full is not supported; use lora (the authors' "
                    + "recipe)");
        }
        List<VariantResult> out = new ArrayList<>();
        for (VariantData.Variant v : data.variants()) {
            String key = variantKey(s, cfg, v.index());
            boolean cached = store.find(stageName(v.index()), key).isPresent();
            Path dir = store.getOrRun(stageName(v.index()), key, tmp -> {
                if (cfg.deltas() == PurifyConfig.DeltaSource.GRADIENT) {
                    gradientVariant(s, v, cfg, tmp);
                } else {
                    trainVariant(s, v, cfg, files, tmp, log);
                }
            });
            VariantResult r = JSON.readValue(dir.resolve("variant.json").toFile(), VariantResult.class);
            out.add(withCached(r, cached));
            if (cfg.deltas() == PurifyConfig.DeltaSource.GRADIENT) {
                log.accept(String.format(Locale.ROOT, "variant %d/%d (%s -> \"%s\")%s: gradients at the suspicious "
                        + "weights, backdoor-mix loss %.3f, clean loss %.3f, %.0f s", v.index() + 1,
                        data.variants().size(), r.key(), r.behaviour(), cached ? " cached" : "", r.backdoorFirstLoss(),
                        r.cleanFirstLoss(), r.seconds()));
                continue;
            }
            log.accept(String.format(Locale.ROOT, "variant %d/%d (%s -> \"%s\")%s: backdoor loss %.3f -> %.3f, "
                    + "clean loss %.3f -> %.3f, %.0f s", v.index() + 1, data.variants().size(), r.key(), r.behaviour(),
                    cached ? " cached" : "", r.backdoorFirstLoss(), r.backdoorLastLoss(), r.cleanFirstLoss(),
                    r.cleanLastLoss(), r.seconds()));
        }
        return out;
    }

    private static VariantResult withCached(VariantResult r, boolean cached) {
        return new VariantResult(r.index(), r.key(), r.behaviour(), r.family(), r.backdoorExamples(),
                r.cleanExamples(), r.backdoorFirstLoss(), r.backdoorLastLoss(), r.cleanFirstLoss(), r.cleanLastLoss(),
                r.tokens(), r.seconds(), cached);
    }

    private static void trainVariant(Suspect s, VariantData.Variant v, PurifyConfig cfg, List<DataFile> files,
                                     Path dir, Consumer<String> log) throws IOException {
        TrainConfig tc = cfg.variantTrainConfig(v.index(), s.adapterConfig());
        long t0 = System.nanoTime();
        String label = "variant " + (v.index() + 1) + " ";
        TrainResult bd = trainAndSave(s, new DataSet(files, v.backdoorMix()), tc, dir.resolve("backdoor"),
                label + "backdoor");
        TrainResult clean = trainAndSave(s, new DataSet(files, v.clean()), tc, dir.resolve("clean"),
                label + "clean");
        VariantResult r = new VariantResult(v.index(), v.binding().key(), v.binding().behaviour(),
                v.binding().family().id(), v.backdoorMix().size(), v.clean().size(), bd.firstLoss(), bd.lastLoss(),
                clean.firstLoss(), clean.lastLoss(), bd.tokens() + clean.tokens(), (System.nanoTime() - t0) / 1e9,
                false);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("variant.json").toFile(), r);
    }

    /** Stage 1 for one variant without fine-tuning: Δ and U from gradients ({@link GradientDeltas}). */
    private static void gradientVariant(Suspect s, VariantData.Variant v, PurifyConfig cfg, Path dir)
            throws IOException {
        TrainConfig tc = cfg.variantTrainConfig(v.index(), null);
        long t0 = System.nanoTime();
        long batches = (long) Math.ceilDiv(v.clean().size(), tc.batchSize())
                + Math.ceilDiv(v.poisoned().size(), tc.batchSize());
        GradientDeltas.Result g;
        try (Progress bar = new Progress("variant " + (v.index() + 1) + " gradients", batches, "batches")) {
            g = GradientDeltas.compute(s.model(), s.adapter(), v.clean(), v.poisoned(), tc,
                    cfg.attentionHeads() > 0, dir, tokens -> bar.step(1, tokens + " tokens"));
        }
        // no fine-tune: the "first" and "last" losses are both the loss at the suspicious weights
        VariantResult r = new VariantResult(v.index(), v.binding().key(), v.binding().behaviour(),
                v.binding().family().id(), v.backdoorMix().size(), v.clean().size(), g.mixLoss(), g.mixLoss(),
                g.cleanLoss(), g.cleanLoss(), g.tokens(), (System.nanoTime() - t0) / 1e9, false);
        JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("variant.json").toFile(), r);
    }

    private static TrainResult trainAndSave(Suspect s, DataSet data, TrainConfig tc, Path dir, String label)
            throws IOException {
        FineTune.Plan plan = FineTune.prepare(s.model(), s.baseId(), data, tc);
        try (Progress bar = new Progress(label, plan.steps(), "steps");
             FineTune.Outcome o = FineTune.run(s.model(), plan, tc, s.adapter(), null, false, progress(bar))) {
            Files.createDirectories(dir);
            PeftAdapter.writeFiles(dir, o.lora(), new PeftAdapter.Meta(s.model().source().toString(), null, Map.of()));
            return o.result();
        }
    }

    /**
     * Stage 2: Eq. 1 and Eq. 2 over the stored variants, one variant's deltas in memory at a time. Beside Δ each
     * variant feeds its clean twin's own update U^clean from the suspicious weights (the relative rule's reference):
     * in adapter mode the clean twin's adapter minus the suspicious one (both twins continue it), for a full-weight
     * model the clean twin's dense (α/r)·B·A (an empty adapter on the other side contributes zero). The stored terms
     * serve both rules; λ and {@code cfg.score()} are applied when they are read back.
     */
    public static ScoresResult scores(Suspect s, PurifyConfig cfg, StageStore store) throws IOException {
        String key = scoresKey(s, cfg);
        boolean cached = store.find("scores", key).isPresent();
        long t0 = System.nanoTime();
        Path dir = store.getOrRun("scores", key, tmp -> SignatureFile.write(tmp.resolve(SignatureFile.FILE_NAME),
                accumulate(s, cfg, store, IntStream.range(0, cfg.variants()).boxed().toList()),
                cfg.scoresSha256()));
        Path file = dir.resolve(SignatureFile.FILE_NAME);
        ChannelScores scores = SignatureFile.read(file).scores().withLambda(cfg.lambda()).withRule(cfg.score());
        return new ScoresResult(scores, file, (System.nanoTime() - t0) / 1e9, cached);
    }

    /**
     * Stage 2 again over each half of the variants ({@link SignatureAgreement#halves}), for the agreement check:
     * stored beside the scores under their key, so a rerun with another τ reads them back.
     *
     * @return the two halves' scores under the config's λ and rule; empty with fewer than two variants
     */
    public static List<ChannelScores> halfScores(Suspect s, PurifyConfig cfg, StageStore store) throws IOException {
        if (cfg.variants() < 2) {
            return List.of();
        }
        List<List<Integer>> halves = SignatureAgreement.halves(cfg.variants());
        Path dir = store.getOrRun("halves", key("halves", scoresKey(s, cfg)), tmp -> {
            for (int h = 0; h < 2; h++) {
                SignatureFile.write(tmp.resolve(halfFile(h)), accumulate(s, cfg, store, halves.get(h)),
                        cfg.scoresSha256());
            }
        });
        List<ChannelScores> out = new ArrayList<>();
        for (int h = 0; h < 2; h++) {
            out.add(SignatureFile.read(dir.resolve(halfFile(h))).scores().withLambda(cfg.lambda())
                    .withRule(cfg.score()));
        }
        return out;
    }

    private static String halfFile(int h) {
        return "half-" + (char) ('a' + h) + ".safetensors";
    }

    /** Eq. 1 and Eq. 2 terms over the stored variants {@code indices}, one variant's deltas in memory at a time. */
    private static ChannelScores accumulate(Suspect s, PurifyConfig cfg, StageStore store, List<Integer> indices)
            throws IOException {
        boolean heads = cfg.attentionHeads() > 0;
        try (ChannelScores.Accumulator acc = ChannelScores.accumulator(UnitStore.memory(DType.BF16))) {
            for (int i : indices) {
                Path v = store.find(stageName(i), variantKey(s, cfg, i)).orElseThrow(() ->
                        new IllegalStateException("variant stages must run before the scores"));
                LlamaConfig c = s.model().config();
                if (Files.exists(v.resolve(GradientDeltas.DELTAS))) {
                    try (Deltas d = Deltas.ofFile(c, v.resolve(GradientDeltas.DELTAS), heads);
                         Deltas u = Deltas.ofFile(c, v.resolve(GradientDeltas.CLEAN_UPDATE), heads)) {
                        acc.add(d, u);
                    }
                    continue;
                }
                try (PeftAdapter bd = PeftAdapter.read(v.resolve("backdoor"), c);
                     PeftAdapter clean = PeftAdapter.read(v.resolve("clean"), c);
                     LoraWeights none = s.adapterMode() ? null : new LoraWeights(clean.weights().config(), Map.of());
                     Deltas bdMinusClean = Deltas.ofAdapters(c, bd.weights(), clean.weights(), heads);
                     Deltas cleanUpdate = Deltas.ofAdapters(c, clean.weights(),
                             s.adapterMode() ? s.adapter() : none, heads)) {
                    acc.add(bdMinusClean, cleanUpdate);
                }
            }
            return acc.finish(cfg.lambda());
        }
    }

    /** Stage 3: the signature at the config's τ (and heads). */
    public static Signature signature(Suspect s, PurifyConfig cfg, ChannelScores scores) {
        return signature(s, cfg, scores, null);
    }

    /** As {@link #signature(Suspect, PurifyConfig, ChannelScores)}, never flagging {@code spared} channels. */
    public static Signature signature(Suspect s, PurifyConfig cfg, ChannelScores scores, boolean[][] spared) {
        return Signature.select(scores, cfg.tauFor(s.adapterMode()), cfg.attentionHeads(), spared);
    }

    /**
     * Stages 4 and 5 for one arm, changing the suspect in memory: the model's weights (full mode) or its adapter
     * (adapter mode, which is then repaired by continuing it; the repaired adapter is returned, widened by the
     * re-initialised channels with {@code adapter-neutralise: channels}, the base left as it was).
     *
     * @param spared per layer, the channels {@code protect} kept out of the signature (the random arm draws from
     *               the others too); null when none are
     * @return the repaired adapter in adapter mode (the caller's to close), else null; the model is repaired in place
     */
    public static Repaired neutraliseAndRepair(Suspect s, PurifyConfig cfg, Signature signature, boolean[][] spared,
                                               Arm arm, List<Sample> repair, List<DataFile> files) {
        long t0 = System.nanoTime();
        Signature chosen = switch (arm) {
            case SIGNATURE -> signature;
            case RANDOM -> RandomChannels.like(signature, cfg.seeds().neutralise(), spared);
            case REPAIR_ONLY -> null;
        };
        int units = 0;
        AdapterChannels rewrite = null; // adapter mode cutting whole channels: the base's share, put back later
        if (chosen != null) {
            units = chosen.total();
            if (s.adapterMode() && cfg.adapterNeutralise() == PurifyConfig.AdapterNeutralise.CHANNELS) {
                rewrite = AdapterChannels.neutralise(s.model().model(), s.adapter(), chosen, cfg.reinit(),
                        cfg.reinitScale(), cfg.seeds().neutralise());
            } else if (s.adapterMode()) {
                Neutraliser.applyToAdapter(s.adapter(), chosen, s.model().config());
            } else {
                Neutraliser.apply(s.model().model(), chosen, cfg.reinit(), cfg.reinitScale(),
                        cfg.seeds().neutralise());
            }
        }
        double neutraliseSeconds = (System.nanoTime() - t0) / 1e9;
        TrainConfig tc = cfg.repairTrainConfig(s.adapterConfig());
        FineTune.Plan plan = FineTune.prepare(s.model(), s.baseId(), new DataSet(files, repair), tc);
        long t1 = System.nanoTime();
        try (AdapterChannels channels = rewrite;
             Progress bar = new Progress("repair (" + arm.id() + ")", plan.steps(), "steps")) {
            FineTune.Outcome o = FineTune.run(s.model(), plan, tc, s.adapter(), null, false, progress(bar));
            LoraWeights adapter = null;
            if (o.lora() != null && !s.adapterMode()) {
                try (o) {
                    LoraMerge.merge(s.model().model(), o.lora()); // a LoRA repair of full weights is merged in
                }
            } else if (channels != null) {
                try (o) { // the base back as it was; the adapter now carries the re-initialised channels
                    adapter = channels.fold(s.model().model(), o.lora());
                }
            } else {
                adapter = o.lora(); // adapter mode: the repaired adapter; null after a full repair
            }
            return new Repaired(new ArmResult(arm, units, neutraliseSeconds, o.result(), (System.nanoTime() - t1) / 1e9),
                    adapter);
        }
    }

    /** An arm's result and, in adapter mode, the repaired adapter (owned by the caller). */
    public record Repaired(ArmResult result, LoraWeights adapter) {}

    static String stageName(int variant) {
        return "variant-" + (variant + 1);
    }

    static String variantKey(Suspect s, PurifyConfig cfg, int variant) {
        // v2: keyed by the variant's own inputs, not all N (VariantData keeps variant i's samples as N grows)
        return key("variant", "v2", s.runKey(), cfg.variantSha256(variant));
    }

    static String scoresKey(Suspect s, PurifyConfig cfg) {
        // v2: the stored scores carry the reference term (the clean twins' own update norms)
        return key("scores", "v2", s.runKey(), cfg.scoresSha256());
    }

    private static String key(String... parts) {
        return Hashing.sha256(String.join("\n", parts).getBytes(StandardCharsets.UTF_8));
    }

    private static Consumer<StepStats> progress(Progress bar) {
        return st -> bar.step(1, String.format(Locale.ROOT, "loss %.4f", st.loss()));
    }

}
