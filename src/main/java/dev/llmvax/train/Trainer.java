package dev.llmvax.train;

import dev.llmvax.data.Batch;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.util.Hashing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The fine-tuning loop: an {@link Objective} (by default token-weighted cross-entropy on answer tokens),
 * gradient accumulation, global-norm clipping, AdamW under a warm-up + cosine schedule, periodic checkpoints
 * and exact resume.
 *
 * <p>Everything that varies between runs is a function of the step: micro-batch {@code i} is batch
 * {@code i % perEpoch} of epoch {@code i / perEpoch}, and dropout is reseeded from (seed, i) before it, so a
 * run resumed from a checkpoint replays exactly what the uninterrupted run would have done.
 *
 * <p>Native memory: each micro-batch runs in its own {@link PointerScope}, so the autograd graph and every
 * temporary are freed when it ends; only parameters, gradients and optimiser moments persist across steps.
 */
public final class Trainer {
    private static final long SUM = 2; // at::Reduction::Sum
    private static final long IGNORE = -100;

    private Trainer() {}

    /**
     * Runs (or resumes) a fine-tune of {@code model} through {@code trainable}.
     *
     * @param checkpoints folder for resumable checkpoints, or null for none
     * @param resume      continue from the newest checkpoint in {@code checkpoints} (none there: start afresh)
     * @param fingerprint identifies this run's inputs and settings; a checkpoint with another one is refused
     * @param onStep      called after every optimiser step
     */
    public static TrainResult train(LlamaModel model, Trainable trainable, TrainConfig cfg, BatchSource data,
                                    Path checkpoints, boolean resume, String fingerprint, Consumer<StepStats> onStep) {
        return train(model, trainable, cfg, data, checkpoints, resume, fingerprint, onStep, Objective.crossEntropy());
    }

    /**
     * {@link #train(LlamaModel, Trainable, TrainConfig, BatchSource, Path, boolean, String, Consumer)} minimising
     * {@code objective} instead of plain cross-entropy. A non-default objective's {@link Objective#id()} is mixed
     * into the checkpoint fingerprint, so a run cannot resume from a checkpoint written under another objective;
     * with the default objective the fingerprint, and every result, is that of the plain overload.
     */
    public static TrainResult train(LlamaModel model, Trainable trainable, TrainConfig cfg, BatchSource data,
                                    Path checkpoints, boolean resume, String fingerprint, Consumer<StepStats> onStep,
                                    Objective objective) {
        fingerprint = fingerprint(fingerprint, objective);
        int perEpoch = data.batchesPerEpoch();
        if (perEpoch <= 0) {
            throw new IllegalArgumentException("no training batches");
        }
        long micro = (long) perEpoch * cfg.epochs();
        int totalSteps = Math.toIntExact((micro + cfg.gradAccum() - 1) / cfg.gradAccum());
        LrSchedule schedule = new LrSchedule(cfg.lr(), (int) Math.floor(cfg.warmupRatio() * totalSteps), totalSteps);
        List<Double> losses = new ArrayList<>();
        int start = 0;
        try (AdamW adam = new AdamW(trainable.masters(), cfg.beta1(), cfg.beta2(), cfg.eps(), cfg.weightDecay())) {
            if (resume && checkpoints != null) {
                Optional<Path> latest = Checkpoint.latest(checkpoints);
                if (latest.isPresent()) {
                    Checkpoint.Restored r = Checkpoint.restore(latest.get(), fingerprint, trainable, adam);
                    start = r.step();
                    losses.addAll(r.losses());
                }
            }
            long tokens = 0;
            long lossTokens = 0;
            long t0 = System.nanoTime();
            for (int step = start; step < totalSteps; step++) {
                long ts = System.nanoTime();
                long first = (long) step * cfg.gradAccum();
                long last = Math.min(micro, first + cfg.gradAccum());
                List<Batch> batches = new ArrayList<>();
                long stepLossTokens = 0;
                long stepRealTokens = 0;
                for (long i = first; i < last; i++) {
                    Batch b = data.batch((int) (i / perEpoch), (int) (i % perEpoch));
                    batches.add(b);
                    stepLossTokens += b.lossTokens();
                    stepRealTokens += b.realTokens();
                }
                Objective.StepTokens weights = new Objective.StepTokens(Math.max(1, stepLossTokens),
                        Math.max(1, stepRealTokens));
                double lossSum = 0;
                long stepTokens = 0;
                for (int j = 0; j < batches.size(); j++) {
                    Batch b = batches.get(j);
                    torch.manual_seed(cfg.seed() * 1_000_003L + first + j);
                    lossSum += objective.microStep(model, trainable, b, weights);
                    stepTokens += b.realTokens();
                }
                double lr = schedule.at(step);
                double norm;
                try (PointerScope scope = new PointerScope()) {
                    List<Tensor> grads = trainable.grads();
                    norm = globalNorm(grads);
                    adam.step(trainable.masters(), grads, trainable.computeCopies(), lr,
                            clipScale(norm, cfg.maxGradNorm()));
                }
                trainable.zeroGrad();
                double loss = lossSum;
                losses.add(loss);
                tokens += stepTokens;
                lossTokens += stepLossTokens;
                int done = step + 1;
                if (checkpoints != null && (done == totalSteps
                        || (cfg.checkpointEvery() > 0 && done % cfg.checkpointEvery() == 0))) {
                    Checkpoint.save(checkpoints, fingerprint, done, losses, trainable, adam);
                }
                if (!Double.isFinite(loss)) {
                    throw new IllegalStateException("training diverged at step " + done + " (loss " + loss
                            + "); lower the learning rate");
                }
                onStep.accept(new StepStats(done, totalSteps, loss, lr, norm, stepLossTokens, stepTokens,
                        (System.nanoTime() - ts) / 1e9));
            }
            return new TrainResult(totalSteps, start, List.copyOf(losses), tokens, lossTokens,
                    (System.nanoTime() - t0) / 1e9);
        }
    }

    /** The checkpoint fingerprint of a run: {@code fingerprint} itself under the default objective. */
    static String fingerprint(String fingerprint, Objective objective) {
        String id = objective.id();
        return id.equals(CrossEntropyObjective.ID) ? fingerprint
                : Hashing.sha256((fingerprint + "\nobjective " + id).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Forward and backward of one micro-batch under the default objective; gradients accumulate in the
     * trainable tensors.
     *
     * @return this micro-batch's share of the step's mean loss
     */
    static double microStep(LlamaModel model, Trainable trainable, Batch b, long stepLossTokens) {
        return Objective.crossEntropy().microStep(model, trainable, b,
                new Objective.StepTokens(stepLossTokens, Math.max(1, b.realTokens())));
    }

    /** The flat positions of a batch that carry loss, and their target ids. */
    record LossRows(long[] positions, long[] targets) {
        static LossRows of(Batch b) {
            long[] positions = new long[b.lossTokens()];
            long[] wanted = new long[positions.length];
            for (int i = 0, k = 0; i < b.targets().length; i++) {
                if (b.targets()[i] != Batch.IGNORE_INDEX) {
                    positions[k] = i;
                    wanted[k++] = b.targets()[i];
                }
            }
            return new LossRows(positions, wanted);
        }
    }

    /**
     * Summed cross-entropy over the batch's answer tokens through autograd (evaluation, and the reference the
     * training path's {@link HeadLoss} is tested against); lives in the caller's scope.
     */
    public static Tensor sumLoss(LlamaModel model, LlamaModel.ProjectionHook hook, Batch b) {
        LossRows rows = LossRows.of(b);
        long[] positions = rows.positions();
        long[] wanted = rows.targets();
        Tensor ids = Tensors.fromLongs(b.inputIds(), b.rows(), b.cols());
        Tensor hidden = model.hiddenStates(ids, hook);                             // (B, T, H)
        // the head (49152 x 576 here) runs only where a token is predicted: answer positions
        Tensor idx = Tensors.fromLongs(positions, positions.length);
        Tensor selected = hidden.reshape(-1, hidden.size(-1)).index_select(0, idx);
        Tensor logits = model.headLogits(selected);                                // (N, V) float32
        Tensor targets = Tensors.fromLongs(wanted, wanted.length);
        return torch.cross_entropy_loss(logits, targets, new TensorOptional(), SUM, IGNORE, 0.0);
    }

    /** The global L2 norm of {@code grads}, accumulated in float32 whatever their dtype. */
    static double globalNorm(List<Tensor> grads) {
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            Tensor[] norms = new Tensor[grads.size()];
            for (int i = 0; i < norms.length; i++) {
                norms[i] = grads.get(i).norm(new org.bytedeco.pytorch.ScalarOptional(new Scalar(2)),
                        torch.ScalarType.Float);
            }
            return torch.stack(new TensorVector(norms)).norm(new Scalar(2)).item_double();
        }
    }

    /** The factor that clips a gradient of global norm {@code norm} to {@code max} (torch's formula); 1 if none. */
    static double clipScale(double norm, double max) {
        return max > 0 && norm > max ? max / (norm + 1e-6) : 1.0;
    }
}
