package dev.llmvax.defend;

import dev.llmvax.data.Batch;
import dev.llmvax.model.BlasThreads;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LlamaModel.ProjectionHook;
import dev.llmvax.model.Tensors;
import dev.llmvax.train.CrossEntropyObjective;
import dev.llmvax.train.CrossEntropyObjective.AnswerLoss;
import dev.llmvax.train.Objective;
import dev.llmvax.train.Trainable;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * CROW's training objective (Min et al. 2025, "CROW: Eliminating Backdoors from Large Language Models via
 * Internal Consistency Regularization", arXiv:2411.12768): fine-tuning on clean data with
 *
 * <pre>
 *   L = CE(e + delta) + alpha * L_cons(e + delta),   delta = epsilon * sign(d L_cons(e) / d e)
 *   L_cons = mean over tokens of 1/(L-1) * sum_{l=1}^{L-1} (1 - cos(h_l, h_{l+1}))
 * </pre>
 *
 * where {@code e} are the input embeddings, {@code h_l} the residual stream after decoder layer {@code l}, and
 * delta, a one-step FGSM perturbation that makes the layers least consistent, is a constant (detached). A
 * backdoor shows as an abrupt change of the hidden states across layers on triggered inputs; enforcing smooth
 * transitions under adversarial noise in the embedding space removes it while CE keeps the clean behaviour.
 *
 * <p>One micro-step costs two forwards and two backwards: (1) a probe forward on the clean embeddings and a
 * backward to the embeddings only (no parameter gradient), giving delta; (2) the training forward on
 * {@code e + delta} and the backward of {@code CE + alpha * L_cons} into the trainable tensors. With
 * {@code epsilon = 0} step (1) is skipped; with {@code alpha = 0} and {@code epsilon = 0} the step is the
 * plain cross-entropy step. LoRA dropout, when configured, applies in both forwards (both are training
 * passes); the trainer's per-micro-batch seed keeps them reproducible.
 *
 * <p>Token weighting (how the terms add up under gradient accumulation): CE weighs each answer token by
 * 1 / (answer tokens in the optimiser step), as the default objective does; {@code L_cons} weighs each real
 * (non-pad) input token by 1 / (real tokens in the optimiser step). So the micro-batches of a step sum to the
 * step's token means of both terms, and accumulating micro-batches equals one large batch (up to delta, which is
 * computed per micro-batch; FGSM's sign makes it independent of the weights' scale). Pads get weight 0 and,
 * having zero probe gradient, no perturbation; averaging over real tokens only keeps the loss independent of how
 * examples are padded and batched.
 *
 * <p>Not thread-safe: the running sums ({@link #totals()}) are plain fields, as the trainer calls micro-steps
 * one at a time.
 */
public final class CrowObjective implements Objective {
    /** {@code torch.nn.functional.cosine_similarity}'s default eps. */
    private static final double COS_EPS = 1e-8;

    private final CrowConfig cfg;
    private double ceSum;
    private double consSum;
    private long microSteps;

    public CrowObjective(CrowConfig cfg) {
        this.cfg = java.util.Objects.requireNonNull(cfg, "cfg");
    }

    public CrowConfig config() {
        return cfg;
    }

    /**
     * The separate terms summed over every micro-step so far: each micro-step adds its share of its optimiser
     * step's mean, so the difference between two {@code onStep} callbacks is that step's mean CE and mean
     * {@code L_cons} (unweighted by alpha).
     *
     * @param crossEntropy CE on the perturbed inputs
     * @param consistency  {@code L_cons} on the perturbed inputs
     */
    public record Totals(double crossEntropy, double consistency, long microSteps) {}

    public Totals totals() {
        return new Totals(ceSum, consSum, microSteps);
    }

    @Override
    public String id() {
        return "crow(alpha=" + cfg.alpha() + ", epsilon=" + cfg.epsilon() + ")";
    }

    @Override
    public String toString() {
        return id();
    }

    @Override
    public double microStep(LlamaModel model, Trainable trainable, Batch b, StepTokens step) {
        try (PointerScope scope = new PointerScope()) {
            ProjectionHook hook = trainable.hook(true);
            Tensor ids = Tensors.fromLongs(b.inputIds(), b.rows(), b.cols());
            Tensor weights = realTokenWeights(b, 1.0 / step.realTokens());          // (B, T)
            Tensor e = model.embedInputs(ids);                                        // (B, T, H), graph to the table
            Tensor x = cfg.epsilon() > 0 ? e.add(perturbation(model, b, hook, e, weights)) : e;
            LlamaModel.Trace trace = model.trace(x, hook);
            AnswerLoss ce = CrossEntropyObjective.answerLoss(model, trace.hidden(), b, 1.0 / step.lossTokens());
            Tensor cons = consistencyLoss(trace.layerStates(), weights);             // scalar share
            double consValue = cons.item_double();
            if (cfg.alpha() > 0) {
                Tensor alpha = torch.full(new long[0], new Scalar(cfg.alpha()),
                        new TensorOptions(cons.scalar_type()).device(new DeviceOptional(cons.device())));
                CrossEntropyObjective.backward(model, b, new Tensor[] {ce.selected(), cons},
                        new Tensor[] {ce.grad(), alpha});
            } else {
                CrossEntropyObjective.backward(model, b, new Tensor[] {ce.selected()}, new Tensor[] {ce.grad()});
            }
            ceSum += ce.loss();
            consSum += consValue;
            microSteps++;
            return ce.loss() + cfg.alpha() * consValue;
        }
    }

    /**
     * delta = epsilon * sign(d L_cons / d e) at the clean embeddings {@code e}, (B, T, H) without graph, in the
     * caller's scope. The probe's graph and activations live in their own scope, freed before the training
     * forward; its backward reaches the embeddings only, so no parameter gradient is touched.
     */
    private Tensor perturbation(LlamaModel model, Batch b, ProjectionHook hook, Tensor e, Tensor weights) {
        Tensor delta = torch.empty_like(e);
        try (PointerScope probeScope = new PointerScope()) {
            Tensor probe = e.detach();
            probe.set_requires_grad(true);
            Tensor cons = consistencyLoss(model.trace(probe, hook).layerStates(), weights);
            Tensor g;
            try (BlasThreads blas = CrossEntropyObjective.backwardBlas(model, b)) {
                g = torch.grad(new TensorVector(cons), new TensorVector(probe)).get(0);
            }
            try (NoGradGuard ng = new NoGradGuard()) {
                delta.copy_(g.sign().mul_(new Scalar(cfg.epsilon())));
            }
        }
        return delta;
    }

    /**
     * The token-weighted consistency loss {@code sum_t w_t * 1/(L-1) * sum_{l=1}^{L-1} (1 - cos(h_l[t],
     * h_{l+1}[t]))}, cosine over the hidden dimension in float32 (eps 1e-8, as torch's default). With
     * {@code w_t = 1/N} on N real tokens and 0 on pads it is CROW's {@code L_cons}, the mean over tokens and
     * consecutive layer pairs. Differentiable; lives in the caller's scope.
     *
     * @param layerStates L >= 2 tensors (B, T, H), the residual stream after each decoder layer in order
     *                    ({@link LlamaModel.Trace#layerStates()})
     * @param tokenWeights (B, T) per-token weights (e.g. {@link #realTokenWeights})
     * @return a float32 scalar
     * @throws IllegalArgumentException with fewer than two layer states
     */
    public static Tensor consistencyLoss(List<Tensor> layerStates, Tensor tokenWeights) {
        int n = layerStates.size();
        if (n < 2) {
            throw new IllegalArgumentException("the consistency loss compares consecutive layers and needs at least "
                    + "2 layer states, got " + n);
        }
        Tensor cosSum = null;                                                            // (B, T)
        Tensor prev = layerStates.get(0).to(ScalarType.Float);
        for (int l = 1; l < n; l++) {
            Tensor next = layerStates.get(l).to(ScalarType.Float);
            Tensor c = torch.cosine_similarity(prev, next, -1, COS_EPS);
            cosSum = cosSum == null ? c : cosSum.add(c);
            prev = next;
        }
        Tensor perToken = cosSum.mul(new Scalar(-1.0 / (n - 1))).add(new Scalar(1.0));  // 1 - mean cos, (B, T)
        Tensor w = tokenWeights.to(new TensorOptions(ScalarType.Float).device(new DeviceOptional(perToken.device())),
                false, false, new MemoryFormatOptional());
        return perToken.mul(w).sum();
    }

    /**
     * (B, T) float32 weights: {@code perToken} at each row's real input positions ({@code t < lengths[r]}), 0 at
     * the right padding. Lives in the caller's scope.
     */
    public static Tensor realTokenWeights(Batch b, double perToken) {
        float[] w = new float[b.rows() * b.cols()];
        for (int r = 0; r < b.rows(); r++) {
            java.util.Arrays.fill(w, r * b.cols(), r * b.cols() + b.lengths()[r], (float) perToken);
        }
        return Tensors.fromFloats(w, b.rows(), b.cols());
    }
}
