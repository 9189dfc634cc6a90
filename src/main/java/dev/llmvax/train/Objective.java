package dev.llmvax.train;

import dev.llmvax.data.Batch;
import dev.llmvax.model.LlamaModel;

/**
 * What a fine-tune minimises, one micro-batch at a time: the {@link Trainer} owns the loop (data order, seeding,
 * accumulation, clipping, AdamW, checkpoints) and asks the objective for each micro-batch's forward and backward.
 *
 * <p>Contract of {@link #microStep}: run the forward pass(es) for {@code batch} inside the caller's thread, call
 * backward so that gradients <em>accumulate</em> into the trainable tensors (never clear them), weight every term
 * by the optimiser step's token totals in {@code step} so that the micro-batches of a step add up to the step's
 * mean loss (gradient accumulation then equals one large batch), free every native temporary before returning
 * (a {@link org.bytedeco.javacpp.PointerScope}), and return this micro-batch's share of that mean loss. The
 * trainer seeds torch's generator (dropout) before each call, so an objective that draws random numbers stays
 * reproducible and resumable.
 *
 * <p>An objective may keep running statistics (e.g. its separate loss terms); it holds no tensors across calls.
 */
public interface Objective {
    /**
     * Forward and backward of one micro-batch; gradients accumulate in {@code trainable}'s tensors.
     *
     * @return this micro-batch's share of the step's mean loss
     */
    double microStep(LlamaModel model, Trainable trainable, Batch batch, StepTokens step);

    /**
     * A short, stable description of the objective and its settings (e.g. {@code crow(alpha=5.5,
     * epsilon=0.1)}); mixed into the checkpoint fingerprint, so a checkpoint written under another objective is
     * refused on resume.
     */
    String id();

    /** The default: token-weighted cross-entropy on answer tokens. */
    static Objective crossEntropy() {
        return CrossEntropyObjective.INSTANCE;
    }

    /**
     * An optimiser step's token totals: the denominators of its mean losses.
     *
     * @param lossTokens answer positions (targets that are not {@link Batch#IGNORE_INDEX}) over all micro-batches
     *                   of the step, at least 1
     * @param realTokens real (non-pad) input positions over all micro-batches of the step, at least 1
     */
    record StepTokens(long lossTokens, long realTokens) {
        public StepTokens {
            if (lossTokens < 1 || realTokens < 1) {
                throw new IllegalArgumentException("step token totals must be >= 1, got " + lossTokens + " loss and "
                        + realTokens + " real tokens");
            }
        }
    }
}
