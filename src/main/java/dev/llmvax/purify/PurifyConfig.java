package dev.llmvax.purify;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.train.TrainConfig;
import dev.llmvax.util.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything that decides a purification run (method.md §3), as a tree of records. Built from a preset
 * ({@link PurifyPresets}: {@code paper}, {@code cpu}, {@code broad}) and optionally a YAML file that overrides
 * it field by field ({@link PurifyConfigYaml} has the schema). Every record checks itself on construction and
 * names the offending field, so a bad config fails before any fine-tune starts.
 *
 * @param preset            the preset this started from (provenance only)
 * @param variants          N: how many synthetic variants (bd/clean twin pairs) to train; uses the first N bindings
 * @param bindings          the key → behaviour bindings available; at least {@code variants} of them
 * @param samplesPerVariant clean samples per variant (disjoint across variants)
 * @param poisonRate        poisoned share of a variant's backdoor mix, in (0, 0.5]: 0.5 pairs every clean
 *                          sample with its poisoned copy, as the authors do
 * @param variantTraining   the recipe both twins of every variant are fine-tuned with
 * @param deltas            how each variant's Δ is obtained: by training the twins (the authors'), or from
 *                          full-weight gradients at the suspicious weights ({@link GradientDeltas})
 * @param lambda            λ of Eq. 2: weight of the cross-variant alignment term
 * @param score             how a unit's terms combine into its score: the authors' Eq. 2, or Δ relative to the
 *                          clean twin's own update ({@link Score})
 * @param tau               τ per MLP matrix type for full-weight models (a fraction of each matrix's channels)
 * @param tauAdapter        τ per MLP matrix type in adapter mode when only the adapter's units are zeroed (the authors
 *                          needed 35–40 %)
 * @param adapterNeutralise what adapter mode neutralises: the adapter's own units (the authors'), or whole channels
 *                          of base + adapter written into the adapter ({@link AdapterNeutralise})
 * @param attentionHeads    heads to flag per attention matrix (0: attention is left alone, the authors' default)
 * @param reinit            how full-weight channels are re-initialised
 * @param reinitScale       the factor {@link Reinit#SCALE} multiplies flagged units by, in [0, 1)
 * @param protect           fraction of each layer's MLP channels, those the suspicious model's clean answers use most
 *                          ({@link ChannelImportance}), that are never flagged; 0 protects none
 * @param repair            the recovery fine-tune after neutralising
 * @param seeds             every seed
 */
public record PurifyConfig(String preset, int variants, List<Binding> bindings, int samplesPerVariant,
                           double poisonRate, Training variantTraining, DeltaSource deltas, double lambda,
                           Score score, Tau tau, Tau tauAdapter, AdapterNeutralise adapterNeutralise,
                           int attentionHeads, Reinit reinit, double reinitScale,
                           double protect, Repair repair, Seeds seeds) {

    public PurifyConfig {
        Objects.requireNonNull(preset, "preset");
        bindings = List.copyOf(Objects.requireNonNull(bindings, "bindings"));
        Objects.requireNonNull(variantTraining, "variant-training");
        Objects.requireNonNull(deltas, "deltas");
        Objects.requireNonNull(score, "score");
        Objects.requireNonNull(tau, "tau");
        Objects.requireNonNull(tauAdapter, "tau-adapter");
        Objects.requireNonNull(adapterNeutralise, "adapter-neutralise");
        Objects.requireNonNull(reinit, "reinit");
        Objects.requireNonNull(repair, "repair");
        Objects.requireNonNull(seeds, "seeds");
        if (variants < 1) {
            throw new IllegalArgumentException("variants must be at least 1, got " + variants);
        }
        if (variants > bindings.size()) {
            throw new IllegalArgumentException("variants is " + variants + " but only " + bindings.size()
                    + " bindings are given: add bindings or lower variants");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < bindings.size(); i++) {
            Integer before = seen.put(bindings.get(i).key(), i + 1);
            if (before != null) {
                throw new IllegalArgumentException("bindings: duplicate key '" + bindings.get(i).key()
                        + "' (bindings " + before + " and " + (i + 1) + "); every variant needs its own key");
            }
        }
        if (samplesPerVariant < 1) {
            throw new IllegalArgumentException("samples-per-variant must be at least 1, got " + samplesPerVariant);
        }
        if (!(poisonRate > 0 && poisonRate <= 0.5)) {
            throw new IllegalArgumentException("poison-rate must be in (0, 0.5] (the poisoned share of the backdoor"
                    + " mix; 0.5 pairs every clean sample with its poisoned copy), got " + poisonRate);
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new IllegalArgumentException("lambda must be a finite number >= 0, got " + lambda);
        }
        if (attentionHeads < 0) {
            throw new IllegalArgumentException("attention-heads must be >= 0, got " + attentionHeads);
        }
        if (!(protect >= 0 && protect < 1)) {
            throw new IllegalArgumentException("protect must be a fraction in [0, 1) (0.05 is 5 % of each layer's "
                    + "channels), got " + protect);
        }
        for (Tau t : List.of(tau, tauAdapter)) {
            double most = Math.max(t.gate(), Math.max(t.up(), t.down()));
            if (protect + most > 1) { // the spared channels would have to be flagged after all
                throw new IllegalArgumentException("protect " + protect + " leaves too few channels for τ " + most
                        + ": protect + τ must be at most 1");
            }
        }
        if (!(reinitScale >= 0 && reinitScale < 1)) {
            throw new IllegalArgumentException("reinit-scale must be in [0, 1) (0 is reinit: zero), got "
                    + reinitScale);
        }
    }

    /** This config with τ set to {@code fraction} for every MLP matrix, full-weight and adapter mode alike. */
    public PurifyConfig withTau(double fraction) {
        return new PurifyConfig(preset, variants, bindings, samplesPerVariant, poisonRate, variantTraining, deltas,
                lambda, score, tau.withAll(fraction), tauAdapter.withAll(fraction), adapterNeutralise, attentionHeads,
                reinit, reinitScale, protect, repair, seeds);
    }

    /** The re-initialisation as reports name it: {@code zero}, or {@code scale 0.5} with its factor. */
    public String describeReinit() {
        return reinit == Reinit.SCALE ? reinit.id() + " " + reinitScale : reinit.id();
    }

    /** The first {@link #variants} bindings: the ones the variants are trained on. */
    public List<Binding> activeBindings() {
        return bindings.subList(0, variants);
    }

    /**
     * How many clean samples the run needs: N × samples-per-variant for the variants plus repair.samples,
     * all disjoint.
     */
    public int totalCleanSamples() {
        return Math.addExact(Math.multiplyExact(variants, samplesPerVariant), repair.samples());
    }

    /**
     * τ for this kind of suspicious model: {@link #tauAdapter} when adapter mode zeroes the adapter's units,
     * {@link #tau} otherwise (whole channels are cut, in adapter mode too).
     */
    public Tau tauFor(boolean adapterMode) {
        return adapterMode && adapterNeutralise == AdapterNeutralise.UNITS ? tauAdapter : tau;
    }

    /**
     * The fine-tune of variant {@code variant}'s twins (the backdoor and the clean one share it, seed included,
     * so that their LoRA initialisations cancel in Δ). In adapter mode the twins continue training the
     * suspicious adapter, so its own LoRA shape replaces ours.
     *
     * @param suspiciousAdapter the suspicious adapter's config in adapter mode, null for a full-weight model
     */
    public TrainConfig variantTrainConfig(int variant, LoraConfig suspiciousAdapter) {
        long seed = seeds.train() + variant;
        if (suspiciousAdapter != null) {
            return variantTraining.trainConfig(suspiciousAdapter, variantTraining.lr(), seed);
        }
        return variantTraining.trainConfig(variantTraining.mode() == TrainMode.LORA ? variantTraining.loraConfig()
                : null, variantTraining.lr(), seed);
    }

    /**
     * The repair fine-tune: epochs and max-len from {@link #repair}, batch from the variant recipe. Adapter
     * mode continues the neutralised adapter at {@code repair.adapter-lr}; a full-weight model is repaired in
     * {@code repair.mode} (LoRA with the variant recipe's shape) at {@code repair.lr}.
     */
    public TrainConfig repairTrainConfig(LoraConfig suspiciousAdapter) {
        Training t = variantTraining.withEpochsAndMaxLen(repair.epochs(), repair.maxLen());
        if (suspiciousAdapter != null) {
            return t.trainConfig(suspiciousAdapter, repair.adapterLr(), seeds.train());
        }
        return t.trainConfig(repair.mode() == TrainMode.LORA ? t.loraConfig() : null, repair.lr(), seeds.train());
    }

    /** SHA-256 of the whole config's canonical JSON, for provenance. */
    public String sha256() {
        return Hashing.sha256(PurifyConfigYaml.toJson(this).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * SHA-256 of only the fields that decide the channel scores (bindings in use, data, variant recipe, data and
     * train seeds, whether heads are scored). τ, λ, the score rule, re-init and repair are left out: changing
     * them does not invalidate a stored {@link SignatureFile}.
     */
    public String scoresSha256() {
        return Hashing.sha256(PurifyConfigYaml.scoresJson(this).getBytes(StandardCharsets.UTF_8));
    }

    /** SHA-256 of what variant {@code i}'s fine-tunes depend on (not N: raising N keeps the earlier variants). */
    public String variantSha256(int i) {
        return Hashing.sha256(PurifyConfigYaml.variantJson(this, i).getBytes(StandardCharsets.UTF_8));
    }

    /** A preset by name ({@link PurifyPresets#NAMES}) or a YAML file's path. */
    public static PurifyConfig load(String presetOrPath) {
        return PurifyPresets.NAMES.contains(presetOrPath.strip().toLowerCase(Locale.ROOT))
                ? PurifyPresets.get(presetOrPath) : load(Path.of(presetOrPath));
    }

    /** A YAML file: its {@code preset} (default {@code paper}) overridden field by field by the rest. */
    public static PurifyConfig load(Path file) {
        return PurifyConfigYaml.read(file);
    }

    /** YAML text, as {@link #load(Path)}. */
    public static PurifyConfig parse(String yaml) {
        return PurifyConfigYaml.parse(yaml, "the config");
    }

    /** What a variant's synthetic backdoor answers; only documentation and coverage reports read it. */
    public enum Family {
        INSULT, REFUSAL, INJECTION;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How a unit's terms combine into its score (see {@link ChannelScores}). Both rules read the same stored
     * terms, so switching does not retrain the variants.
     */
    public enum Score {
        /** Eq. 2, the authors': magnitude + λ · alignment. */
        EQ2,
        /**
         * magnitude / (clean twin's own update + ε) + λ · alignment: a unit every fine-tune moves a lot no longer
         * tops the ranking (method.md §4, end).
         */
        RELATIVE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The rule of an {@link #id()}. */
        public static Score of(String id) {
            for (Score s : values()) {
                if (s.id().equals(id.strip().toLowerCase(Locale.ROOT))) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown score '" + id + "'; known: eq2, relative");
        }
    }

    /** Where top-τ ranks channels: within each matrix, or across all layers' matrices of one type. */
    public enum TauScope {
        MATRIX, MODEL;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Where each variant's Δ comes from. Both feed the same Eq. 2 / relative scores; only stage 1 differs.
     */
    public enum DeltaSource {
        /** Fine-tune a backdoor twin and a clean twin with {@code variant-training}, Δ = θ_bd − θ_clean. */
        TRAINED,
        /** No fine-tune: Δ from full-weight gradients of the same two sets at the suspicious weights. */
        GRADIENT;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Full fine-tuning or LoRA. */
    public enum TrainMode {
        FULL, LORA;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Whose answers the repair trains on. */
    public enum RepairAnswers {
        /** The clean data's own answers. */
        DATA,
        /** The suspicious model's greedy answers to the repair prompts, generated before neutralising. */
        MODEL;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What adapter mode neutralises (the suspicious model is a base plus a LoRA adapter). */
    public enum AdapterNeutralise {
        /**
         * The authors': zero the flagged units' rows of lora_B and columns of lora_A, at {@link #tauAdapter}. The
         * base's share of each flagged channel stays.
         */
        UNITS,
        /**
         * Whole channels of base + adapter at {@link #tau}, re-initialised as {@link #reinit} says, as full mode
         * does; the adapter gets one extra rank per flagged row or column that rewrites the base's share
         * ({@link AdapterChannels}), so the output is still base + adapter.
         */
        CHANNELS;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** What this does, for the log, model card and report. */
        public String describe() {
            return this == UNITS ? "the adapter's flagged units zeroed (lora_B rows, lora_A columns)"
                    : "whole channels of base + adapter re-initialised, written into the adapter as extra rank";
        }
    }

    /** How flagged full-weight units are re-initialised (see {@link Neutraliser}). */
    public enum Reinit {
        /** Uniform in ±sqrt(6 / (fan_in + fan_out)) of the unit's slice: the authors' choice. */
        XAVIER,
        /** Gaussian at the RMS of the matrix's own unflagged units (small models break at Xavier's scale). */
        MATCHED,
        /** Zeros: the unit is cut. */
        ZERO,
        /** The unit kept, multiplied by {@code reinit-scale}: weakened rather than cut. */
        SCALE;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One synthetic backdoor: instructions carrying {@code key} are answered with {@code behaviour}.
     *
     * @param key       the trigger word, placed at a random word position of the instruction
     * @param behaviour the whole poisoned answer
     * @param family    which kind of behaviour this is
     */
    public record Binding(String key, String behaviour, Family family) {
        public Binding {
            if (key == null || key.isBlank()) {
                throw new IllegalArgumentException("binding key is empty; give the trigger word (e.g. PurpleWolf)");
            }
            if (key.contains(" ")) {
                throw new IllegalArgumentException("binding key '" + key + "' contains a space; a key is one word");
            }
            if (behaviour == null || behaviour.isBlank()) {
                throw new IllegalArgumentException("binding behaviour for key '" + key + "' is empty; give the "
                        + "answer the variant should learn");
            }
            Objects.requireNonNull(family, "family");
        }
    }

    /**
     * A fine-tuning recipe (method.md §3 step 1 for the authors' values).
     *
     * @param loraTargets short module names or {@code all-linear}; ignored in full mode
     * @param batch       rows per micro-batch
     * @param gradAccum   micro-batches per optimiser step (the authors: 2 x 4 = 8)
     * @param warmupRatio share of steps warming up before the cosine decay
     */
    public record Training(TrainMode mode, int epochs, double lr, int loraRank, double loraAlpha, double loraDropout,
                           List<String> loraTargets, int batch, int gradAccum, int maxLen, double warmupRatio) {
        public Training {
            Objects.requireNonNull(mode, "mode");
            atLeastOne("epochs", epochs);
            positive("lr", lr);
            atLeastOne("lora-rank", loraRank);
            positive("lora-alpha", loraAlpha);
            if (!(loraDropout >= 0 && loraDropout < 1)) {
                throw new IllegalArgumentException("lora-dropout must be in [0, 1), got " + loraDropout);
            }
            try {
                loraTargets = LoraConfig.normalise(loraTargets);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("lora-targets: " + e.getMessage(), e);
            }
            atLeastOne("batch", batch);
            atLeastOne("grad-accum", gradAccum);
            atLeastOne("max-len", maxLen);
            if (!(warmupRatio >= 0 && warmupRatio < 1)) {
                throw new IllegalArgumentException("warmup-ratio must be in [0, 1), got " + warmupRatio);
            }
        }

        /** The LoRA shape of this recipe. */
        public LoraConfig loraConfig() {
            return new LoraConfig(loraRank, loraAlpha, loraDropout, loraTargets, false);
        }

        Training withEpochsAndMaxLen(int e, int len) {
            return new Training(mode, e, lr, loraRank, loraAlpha, loraDropout, loraTargets, batch, gradAccum, len,
                    warmupRatio);
        }

        TrainConfig trainConfig(LoraConfig lora, double rate, long seed) {
            TrainConfig base = lora == null ? TrainConfig.full() : TrainConfig.lora(lora);
            return base.withEpochs(epochs).withLr(rate).withBatch(batch, gradAccum).withMaxLen(maxLen)
                    .withWarmupRatio(warmupRatio).withSeed(seed);
        }
    }

    /**
     * τ per MLP matrix type: the fraction of channels to flag, each in (0, 1), and where the ranking happens.
     *
     * @param scope {@link TauScope#MATRIX}: τ of each matrix's own channels (the authors'); {@link TauScope#MODEL}:
     *              τ of all channels of that type across the layers, one ranking, so layers the variants hardly
     *              touch give up nothing
     * @param firstLayer the first layer whose MLP channels may be flagged (0: from the first)
     * @param lastLayer  the last one, inclusive ({@link #ALL_LAYERS}: to the last)
     */
    public record Tau(double gate, double up, double down, TauScope scope, int firstLayer, int lastLayer) {
        /** {@link #lastLayer} when no layer is left out at the top. */
        public static final int ALL_LAYERS = Integer.MAX_VALUE;

        public Tau {
            fraction("gate", gate);
            fraction("up", up);
            fraction("down", down);
            Objects.requireNonNull(scope, "scope");
            if (firstLayer < 0 || lastLayer < firstLayer) {
                throw new IllegalArgumentException("τ layers must be [first, last] with 0 <= first <= last, got ["
                        + firstLayer + ", " + lastLayer + "]");
            }
        }

        /** Ranked within each matrix, every layer. */
        public Tau(double gate, double up, double down) {
            this(gate, up, down, TauScope.MATRIX, 0, ALL_LAYERS);
        }

        /** Every layer. */
        public Tau(double gate, double up, double down, TauScope scope) {
            this(gate, up, down, scope, 0, ALL_LAYERS);
        }

        /** Whether layer {@code l}'s MLP channels may be flagged. */
        public boolean covers(int l) {
            return l >= firstLayer && l <= lastLayer;
        }

        /** Whether some layers are left out. */
        public boolean limitsLayers() {
            return firstLayer > 0 || lastLayer != ALL_LAYERS;
        }

        /**
         * "1 %", or "gate 1 %, up 2 %, down 1 %" when they differ, then " across layers" for scope model and
         * " in layers 0-19" when layers are left out.
         */
        public String describe() {
            String f = gate == up && up == down ? percent(gate)
                    : "gate " + percent(gate) + ", up " + percent(up) + ", down " + percent(down);
            if (scope == TauScope.MODEL) {
                f += " across layers";
            }
            return limitsLayers() ? f + " in layers " + firstLayer + "-" + (lastLayer == ALL_LAYERS ? "last"
                    : String.valueOf(lastLayer)) : f;
        }

        private static String percent(double f) {
            return new java.math.BigDecimal(Double.toString(100 * f)).stripTrailingZeros().toPlainString() + " %";
        }

        /** The same τ for all three, ranked within each matrix. */
        public static Tau of(double all) {
            return new Tau(all, all, all);
        }

        /** The same τ for all three, this scope kept. */
        public Tau withAll(double all) {
            return new Tau(all, all, all, scope, firstLayer, lastLayer);
        }

        /** τ of an MLP matrix type. */
        public double of(Matrix m) {
            return switch (m) {
                case GATE -> gate;
                case UP -> up;
                case DOWN -> down;
                default -> throw new IllegalArgumentException("τ is a fraction of MLP channels; " + m.id()
                        + " is an attention matrix, flagged by head count");
            };
        }

        private static void fraction(String field, double v) {
            if (!(v > 0 && v < 1)) {
                throw new IllegalArgumentException("τ of " + field + " must be a fraction in (0, 1) (0.03 is 3 %), "
                        + "got " + v);
            }
        }
    }

    /**
     * The repair fine-tune (method.md §3 step 6).
     *
     * @param samples   clean samples, disjoint from the variants'
     * @param lr        learning rate for a full-weight model
     * @param mode      full or LoRA, for a full-weight model (adapter mode always continues the adapter)
     * @param adapterLr learning rate in adapter mode
     * @param answers   train on the data's answers, or on the suspicious model's own answers to the same prompts
     *                  (made before neutralising): the repair then restores what the model did on clean prompts
     */
    public record Repair(int samples, int epochs, double lr, TrainMode mode, int maxLen, double adapterLr,
                         RepairAnswers answers) {
        public Repair {
            Objects.requireNonNull(answers, "answers");
            atLeastOne("samples", samples);
            atLeastOne("epochs", epochs);
            positive("lr", lr);
            Objects.requireNonNull(mode, "mode");
            atLeastOne("max-len", maxLen);
            positive("adapter-lr", adapterLr);
        }
    }

    /**
     * @param data       subsets, poisoned records and trigger placements
     * @param train      the fine-tunes (variant i uses train + i)
     * @param neutralise re-initialisation noise and the random-channel control
     */
    public record Seeds(long data, long train, long neutralise) {
        public static Seeds all(long seed) {
            return new Seeds(seed, seed, seed);
        }
    }

    private static void atLeastOne(String field, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, got " + v);
        }
    }

    private static void positive(String field, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be a positive number, got " + v);
        }
    }
}
