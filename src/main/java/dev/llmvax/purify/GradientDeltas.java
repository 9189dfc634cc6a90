package dev.llmvax.purify;

import dev.llmvax.data.Batch;
import dev.llmvax.data.BatchOptions;
import dev.llmvax.data.BatchPlan;
import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.Sample;
import dev.llmvax.io.DType;
import dev.llmvax.io.SafetensorsWriter;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LlamaModel.ProjectionHook;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.train.CrossEntropyObjective;
import dev.llmvax.train.FineTune;
import dev.llmvax.train.LoraHook;
import dev.llmvax.train.TrainConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Stage 1 without fine-tuning ({@code deltas: gradient}; method.md §6, "gradient-based deltas"): a variant's Δ
 * estimated to first order at the suspicious weights, from the full-weight gradients of the same two data sets the
 * twins would train on:
 *
 * <pre>
 *   Δ_i       = −η (∇L(D_bd_i) − ∇L(D_clean_i))      the backdoor twin's first step minus the clean twin's
 *   U_clean_i = −η ∇L(D_clean_i)                     the clean twin's own first step (the relative rule's
 *                                                    reference)
 * </pre>
 *
 * with L the mean cross-entropy over a set's answer tokens. {@code D_bd = D_clean ∪ D_pois}, so one pass over each
 * of D_clean and D_pois gives both: ∇L(D_bd) is their token-weighted mean. η = lr × the backdoor twin's optimiser
 * steps (the SGD displacement of the recipe); it only scales Δ, so it changes nothing under the relative rule and
 * only λ's weight under Eq. 2.
 *
 * <p>Why: a LoRA twin's Δ = (α/r)·(B_bd·A_bd − B_clean·A_clean) lies in the row space of its random rank-r A. A
 * gate or up row's norm is then the norm of the wanted update projected onto r random directions, and a down
 * column's norm follows the norm of A's column, fixed at initialisation (docs/RESULTS.md, stop 18: down-column
 * scores of two variants are uncorrelated, and track their own A). Full-weight gradients have no such projection,
 * and no training noise: the same data give the same Δ. One forward and backward per example instead of
 * {@code epochs} × (|D_bd| + |D_clean|) training passes.
 */
public final class GradientDeltas {
    /** Δ_i under its matrices' HF names, (out, in), bfloat16. */
    public static final String DELTAS = "deltas.safetensors";
    /** U_clean_i, as {@link #DELTAS}. */
    public static final String CLEAN_UPDATE = "clean-update.safetensors";

    private GradientDeltas() {}

    /**
     * One variant's gradient pass.
     *
     * @param cleanLoss    mean answer-token loss of D_clean at the suspicious weights
     * @param poisonedLoss the same over D_pois (high: the model does not yet answer the key with the behaviour)
     * @param mixLoss      the same over D_bd
     * @param tokens       input positions (padding included) passed forward and backward
     * @param eta          η, the scale of Δ and U
     */
    public record Result(double cleanLoss, double poisonedLoss, double mixLoss, long tokens, double eta) {}

    /** Sums of per-token gradients of one set, in float32, keyed by fused storage name (then scaled in place). */
    private record Sums(Map<String, Tensor> grads, double loss, long answerTokens, long tokens)
            implements AutoCloseable {
        @Override
        public void close() {
            grads.values().forEach(Tensor::close);
        }
    }

    /**
     * Computes Δ and U for one variant and writes {@link #DELTAS} and {@link #CLEAN_UPDATE} into {@code dir}. The
     * model's weights are read, never changed; their gradient flags are restored before returning.
     *
     * @param adapter   in adapter mode the suspicious adapter, applied unmerged (the gradients are those of the
     *                  effective weights, base + adapter, whose channels its lora_B rows and lora_A columns are);
     *                  null for a full-weight model
     * @param tc        the variant recipe: batch size, max length, seed of the batch order, lr and epochs (η)
     * @param attention whether q/k/v/o are written too (attention heads scored)
     * @param onBatch   called with the input tokens of every batch done, for progress
     */
    public static Result compute(LoadedModel model, LoraWeights adapter, List<Sample> clean, List<Sample> poisoned,
                                 TrainConfig tc, boolean attention, Path dir, IntConsumer onBatch) {
        LlamaModel m = model.model();
        LlamaConfig c = m.config();
        ProjectionHook hook = adapter == null ? null
                : new LoraHook(adapter, c, m.precision().scalarType(), false); // no dropout: a deterministic pass
        ChatEncoder encoder = FineTune.encoder(model, tc.maxLen());
        long pad = c.padTokenId() != null ? c.padTokenId() : encoder.endOfTurnId();
        BatchOptions options = BatchOptions.of(tc.batchSize(), tc.seed(), pad);
        BatchPlan cleanPlan = new BatchPlan(encoder.encodeAll(clean).examples(), options);
        BatchPlan poisonedPlan = new BatchPlan(encoder.encodeAll(poisoned).examples(), options);
        List<Sample> mix = new ArrayList<>(clean);
        mix.addAll(poisoned);
        long steps = (new BatchPlan(encoder.encodeAll(mix).examples(), options).steps(tc.epochs())
                + tc.gradAccum() - 1) / tc.gradAccum();
        double eta = tc.lr() * steps;

        Map<String, Tensor> leaves = leaves(m, attention);
        leaves.values().forEach(t -> t.set_requires_grad(true));
        try (Sums sc = sums(m, hook, cleanPlan, leaves, onBatch);
             Sums sp = sums(m, hook, poisonedPlan, leaves, onBatch);
             NoGradGuard g = new NoGradGuard()) {
            long tc0 = sc.answerTokens();
            long tm = tc0 + sp.answerTokens();
            // in place, so the sums become Δ (poisoned side) and U (clean side) without a copy of the model's MLPs
            for (String k : leaves.keySet()) {
                try (PointerScope scope = new PointerScope()) {
                    Tensor sClean = sc.grads().get(k);
                    Tensor sPois = sp.grads().get(k);
                    sPois.add_(sClean).div_(new Scalar((double) tm)).sub_(sClean.div(new Scalar((double) tc0)))
                            .mul_(new Scalar(-eta));                                  // −η (∇L(bd) − ∇L(clean))
                    sClean.mul_(new Scalar(-eta / tc0));                              // −η ∇L(clean)
                }
            }
            write(dir.resolve(DELTAS), c, sp.grads(), attention);
            write(dir.resolve(CLEAN_UPDATE), c, sc.grads(), attention);
            return new Result(sc.loss() / tc0, sp.loss() / Math.max(1, sp.answerTokens()),
                    (sc.loss() + sp.loss()) / tm, sc.tokens() + sp.tokens(), eta);
        } finally {
            for (Tensor t : leaves.values()) {
                try (Tensor none = new Tensor()) {
                    t.mutable_grad().put(none);
                }
                t.set_requires_grad(false);
            }
        }
    }

    /** The fused weights whose gradients are needed: gate/up and down, and q/k/v and o for heads. */
    private static Map<String, Tensor> leaves(LlamaModel m, boolean attention) {
        Map<String, Tensor> all = m.storage();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int l = 0; l < m.config().numLayers(); l++) {
            List<String> names = attention ? List.of("wGateUpT", "wDownT", "wQkvT", "wOT")
                    : List.of("wGateUpT", "wDownT");
            for (String n : names) {
                String k = "layers." + l + "." + n;
                out.put(k, all.get(k));
            }
        }
        return out;
    }

    /** Σ over the set's answer tokens of ∇(token loss), per leaf, in float32; one batch's graph at a time. */
    private static Sums sums(LlamaModel m, ProjectionHook hook, BatchPlan plan, Map<String, Tensor> leaves,
                             IntConsumer onBatch) {
        Map<String, Tensor> acc = new LinkedHashMap<>();
        try (NoGradGuard g = new NoGradGuard(); PointerScope scope = new PointerScope()) {
            leaves.forEach((k, t) -> acc.put(k, torch.zeros_like(t).to(ScalarType.Float).retainReference()));
        }
        double loss = 0;
        long answers = 0;
        long tokens = 0;
        for (Batch b : plan.epoch(0)) {
            try (PointerScope scope = new PointerScope()) {
                Tensor ids = Tensors.fromLongs(b.inputIds(), b.rows(), b.cols());
                Tensor hidden = m.hiddenStates(ids, hook);
                CrossEntropyObjective.AnswerLoss ce = CrossEntropyObjective.answerLoss(m, hidden, b, 1.0);
                CrossEntropyObjective.backward(m, b, new Tensor[] {ce.selected()}, new Tensor[] {ce.grad()});
                loss += ce.loss();
                try (NoGradGuard g = new NoGradGuard()) {
                    for (Map.Entry<String, Tensor> e : leaves.entrySet()) {
                        Tensor grad = e.getValue().grad();
                        if (grad.defined()) { // a leaf the batch did not reach has no gradient yet
                            acc.get(e.getKey()).add_(grad.to(ScalarType.Float));
                            grad.zero_();
                        }
                    }
                }
            }
            answers += b.lossTokens();
            tokens += (long) b.rows() * b.cols();
            onBatch.accept(b.rows() * b.cols());
        }
        return new Sums(acc, loss, answers, tokens);
    }

    /** The scored matrices' (out, in) views of fused (in, out) tensors, written as bfloat16 under HF names. */
    private static void write(Path file, LlamaConfig c, Map<String, Tensor> fused, boolean attention) {
        List<SafetensorsWriter.TensorEntry> entries = new ArrayList<>();
        for (MatrixId id : Deltas.matrices(c, attention)) {
            try (Tensor v = view(c, id, fused)) {
                entries.add(new SafetensorsWriter.TensorEntry(id.weightName(), DType.BF16, Tensors.shape(v),
                        Tensors.toSegment(v, ScalarType.BFloat16)));
            }
        }
        SafetensorsWriter.write(file, Map.of("format", "llmvax-gradient-deltas"), entries);
    }

    /** The HF (out, in) view of one matrix inside its layer's fused (in, out) tensor, as {@link LlamaModel#weights}. */
    static Tensor view(LlamaConfig c, MatrixId id, Map<String, Tensor> fused) {
        String p = "layers." + id.layer() + ".";
        int inter = c.intermediateSize();
        int q = c.qDim();
        int kv = c.kvDim();
        return switch (id.matrix()) {
            case GATE -> fused.get(p + "wGateUpT").narrow(1, 0, inter).t();
            case UP -> fused.get(p + "wGateUpT").narrow(1, inter, inter).t();
            case DOWN -> fused.get(p + "wDownT").t();
            case Q -> fused.get(p + "wQkvT").narrow(1, 0, q).t();
            case K -> fused.get(p + "wQkvT").narrow(1, q, kv).t();
            case V -> fused.get(p + "wQkvT").narrow(1, q + kv, kv).t();
            case O -> fused.get(p + "wOT").t();
        };
    }
}
