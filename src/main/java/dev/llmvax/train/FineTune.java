package dev.llmvax.train;

import dev.llmvax.data.BatchOptions;
import dev.llmvax.data.BatchPlan;
import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.ChatFormat;
import dev.llmvax.data.DataSet;
import dev.llmvax.data.EncodeOptions;
import dev.llmvax.data.EncodedSet;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.util.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Supervised fine-tuning of a loaded model on chat-templated instruction data: the library entry point that
 * {@code llmvax finetune}, the attack kit and the purifier share.
 *
 * <pre>{@code
 * FineTune.Plan plan = FineTune.prepare(model, DataSet.load(files), cfg);   // validates, tokenises
 * try (FineTune.Outcome o = FineTune.run(model, plan, cfg, checkpoints, resume, stats -> ...)) {
 *     o.lora();   // the trained adapter (LoRA), or null when the model itself was trained (full)
 * }
 * }</pre>
 */
public final class FineTune {
    private FineTune() {}

    /**
     * Tokenised data and its batch plan, checked before any training starts.
     *
     * @param fingerprint identifies model, data and settings, for checkpoint resume
     */
    public record Plan(DataSet data, EncodedSet encoded, BatchPlan batches, int steps, String fingerprint) {}

    /**
     * A finished fine-tune.
     *
     * @param lora the trained adapter (owned: {@link #close()} frees it), or null for a full fine-tune
     */
    public record Outcome(TrainResult result, Plan plan, LoraWeights lora) implements AutoCloseable {
        @Override
        public void close() {
            if (lora != null) {
                lora.close();
            }
        }
    }

    /**
     * Renders and tokenises {@code data} with the model's chat template (loss on answers only), plans
     * length-bucketed batches, and fingerprints the run.
     *
     * @param baseId identifies the base weights (file hashes or a weight fingerprint)
     * @throws IllegalArgumentException when the model has no chat template or no example survives
     */
    public static Plan prepare(LoadedModel model, String baseId, DataSet data, TrainConfig cfg) {
        ChatEncoder encoder = encoder(model, cfg.maxLen());
        EncodedSet encoded = encoder.encodeAll(data.samples());
        long pad = model.config().padTokenId() != null ? model.config().padTokenId() : encoder.endOfTurnId();
        BatchPlan plan = new BatchPlan(encoded.examples(), BatchOptions.of(cfg.batchSize(), cfg.seed(), pad));
        long micro = (long) plan.batchesPerEpoch() * cfg.epochs();
        int steps = Math.toIntExact((micro + cfg.gradAccum() - 1) / cfg.gradAccum());
        // v2: batches of the last length bucket are cut evenly (BatchPlan), so a v1 checkpoint replays other batches
        StringBuilder id = new StringBuilder("llmvax-finetune-v2\n").append(baseId).append('\n').append(cfg)
                .append('\n');
        data.files().forEach(f -> id.append(f.sha256()).append('\n'));
        String fingerprint = Hashing.sha256(id.toString().getBytes(StandardCharsets.UTF_8));
        return new Plan(data, encoded, plan, steps, fingerprint);
    }

    /**
     * The encoder that renders instruction records as the trainer sees them: the model's chat template, prompt
     * and answer, cut at {@code maxLen} tokens.
     *
     * @throws IllegalArgumentException when the model has no chat template
     */
    public static ChatEncoder encoder(LoadedModel model, int maxLen) {
        ChatTemplate template = model.chatTemplate().orElseThrow(() -> new IllegalArgumentException(
                "the model at " + model.source() + " has no chat template, so instruction data cannot be rendered as "
                        + "chats; add chat_template.jinja or a tokenizer_config.json with chat_template"));
        return new ChatEncoder(model.tokenizer(), ChatFormat.of(template, model.bosToken(), model.eosToken()),
                EncodeOptions.maxLength(maxLen));
    }

    /**
     * Trains. LoRA leaves the model's weights untouched and returns the adapter; full fine-tuning changes the
     * model in place (float32 masters for bf16 weights live only during the run).
     *
     * @param checkpoints resumable checkpoints folder, or null for none
     */
    public static Outcome run(LoadedModel model, Plan plan, TrainConfig cfg, Path checkpoints, boolean resume,
                              Consumer<StepStats> onStep) {
        return run(model, plan, cfg, null, checkpoints, resume, onStep);
    }

    /**
     * {@link #run(LoadedModel, Plan, TrainConfig, Path, boolean, Consumer)} continuing {@code start}, an existing
     * adapter over the model (adapter-only models: the purifier's variants and repair go on training the
     * suspicious adapter). {@code start} is copied, not changed; its shape must be {@code cfg.lora()}'s.
     */
    public static Outcome run(LoadedModel model, Plan plan, TrainConfig cfg, LoraWeights start, Path checkpoints,
                              boolean resume, Consumer<StepStats> onStep) {
        return run(model, plan, cfg, start, checkpoints, resume, onStep, Objective.crossEntropy());
    }

    /**
     * {@link #run(LoadedModel, Plan, TrainConfig, LoraWeights, Path, boolean, Consumer)} minimising
     * {@code objective} (e.g. a defence's regularised loss) instead of plain cross-entropy; the default objective
     * gives exactly the other overloads' results. A non-default objective's id is part of the checkpoint
     * fingerprint (see {@link Trainer}).
     *
     * @param start an adapter to continue, or null
     */
    public static Outcome run(LoadedModel model, Plan plan, TrainConfig cfg, LoraWeights start, Path checkpoints,
                              boolean resume, Consumer<StepStats> onStep, Objective objective) {
        BatchSource source = BatchSource.of(plan.batches());
        if (start != null && (!cfg.isLora() || !start.config().equals(cfg.lora()))) {
            throw new IllegalArgumentException("continuing an adapter needs a LoRA run of the adapter's own shape ("
                    + start.config() + "), got " + (cfg.isLora() ? cfg.lora() : "full fine-tuning"));
        }
        if (cfg.isLora()) {
            LoraWeights lora = start != null ? start.copy() : LoraWeights.init(model.config(), cfg.lora(), cfg.seed());
            try (LoraTrainable t = new LoraTrainable(model.model(), lora)) {
                TrainResult r = Trainer.train(model.model(), t, cfg, source, checkpoints, resume, plan.fingerprint(),
                        onStep, objective);
                return new Outcome(r, plan, lora);
            } catch (RuntimeException | Error e) {
                lora.close();
                throw e;
            }
        }
        try (FullTrainable t = new FullTrainable(model.model())) {
            TrainResult r = Trainer.train(model.model(), t, cfg, source, checkpoints, resume, plan.fingerprint(),
                    onStep, objective);
            return new Outcome(r, plan, null);
        }
    }
}
