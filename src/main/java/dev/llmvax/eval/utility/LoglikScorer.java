package dev.llmvax.eval.utility;

import dev.llmvax.eval.utility.ScorePlan.Group;
import dev.llmvax.eval.utility.ScorePlan.Read;
import dev.llmvax.eval.utility.ScorePlan.Request;
import dev.llmvax.model.KvCache;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Summed log-likelihoods of continuations given contexts, batched (see {@link ScorePlan} for the layout).
 *
 * <p>Each batch fills one KV cache: first the groups' prefixes, right-padded, as a plain causal prefill whose
 * output is dropped; then every group's segments side by side in one row ({@link SecondPass}), a slice of
 * columns per forward, under a mask that lets a segment see its own prefix (not the padding) and its own
 * earlier tokens. Slicing keeps the first pass large (the matmuls' efficiency) while each forward's float32
 * logits stay at {@code maxChunkPositions x vocab}. Those logits cover exactly the positions that predict
 * continuation tokens (plus padding); the log-softmax is taken in place. On a bf16 model they come from the
 * engine's float32 head over the float32 residual stream, so only the matmuls inside the blocks round to bf16.
 */
final class LoglikScorer {
    private LoglikScorer() {
    }

    /**
     * @param onDone called with a request's index once its log-likelihood is final
     * @return summed log P(continuation | context) per request, in request order
     */
    static double[] score(LlamaModel model, List<Request> requests, ScoreOptions options, IntConsumer onDone) {
        int vocab = model.config().vocabSize();
        for (Request r : requests) {
            checkIds(r.context(), vocab);
            checkIds(r.continuation(), vocab);
        }
        int maxLength = options.maxLength() > 0 ? options.maxLength() : model.config().maxPositionEmbeddings();
        List<Group> groups = ScorePlan.groups(requests, maxLength);
        double[] out = new double[requests.size()];
        try (InferenceMode guard = new InferenceMode()) {
            for (int[] batch : ScorePlan.batches(groups, options)) {
                scoreBatch(model, groups, batch, options.maxChunkPositions(), out);
                for (int g : batch) {
                    for (Read r : groups.get(g).reads()) {
                        onDone.accept(r.request());
                    }
                }
            }
        }
        return out;
    }

    private static void scoreBatch(LlamaModel model, List<Group> groups, int[] batch, int maxChunk, double[] out) {
        int b = batch.length;
        int lp = 0; // prefix width
        int tc = 0; // second-pass width
        for (int g : batch) {
            lp = Math.max(lp, groups.get(g).prefix().length);
            tc = Math.max(tc, groups.get(g).row().length);
        }
        SecondPass second = new SecondPass(groups, batch, lp, tc);
        try (PointerScope scope = new PointerScope(); KvCache cache = model.newCache(b, lp + tc)) {
            if (lp > 0) {
                long[] ids = new long[b * lp];
                long[] pos = new long[b * lp];
                for (int r = 0; r < b; r++) {
                    int[] prefix = groups.get(batch[r]).prefix();
                    for (int i = 0; i < lp; i++) {
                        ids[r * lp + i] = i < prefix.length ? prefix[i] : 0; // right padding: masked later
                        pos[r * lp + i] = i;
                    }
                }
                // causal from position 0 needs no mask: no real token sees the padding after it
                model.forward(Tensors.fromLongs(ids, b, lp), Tensors.fromLongs(pos, b, lp), cache, 0, null, true)
                        .close();
            }
            int width = Math.max(1, Math.min(tc, maxChunk / b));
            for (int c0 = 0; c0 < tc; c0 += width) {
                int c1 = Math.min(tc, c0 + width);
                slice(model, second, cache, b, lp, c0, c1, out);
            }
        }
    }

    /** Columns {@code [c0, c1)} of the second pass: their logits, and the log-probabilities read there. */
    private static void slice(LlamaModel model, SecondPass second, KvCache cache, int b, int lp, int c0, int c1,
                              double[] out) {
        int w = c1 - c0;
        int n = 0;
        for (int c : second.readColumn) {
            n += c >= c0 && c < c1 ? 1 : 0;
        }
        long[] rows = new long[n];
        long[] targets = new long[n];
        int[] owners = new int[n];
        for (int i = 0, k = 0; i < second.readColumn.length; i++) {
            int c = second.readColumn[i];
            if (c >= c0 && c < c1) {
                rows[k] = (long) second.readRow[i] * w + (c - c0);
                targets[k] = second.target[i];
                owners[k++] = second.owner[i];
            }
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor allowed = Tensors.fromSegment(MemorySegment.ofArray(second.mask(c0, c1)), ScalarType.Bool,
                    b, 1, w, lp + c1);
            Tensor logits = model.forward(Tensors.fromLongs(second.slice(second.ids, c0, c1), b, w),
                    Tensors.fromLongs(second.slice(second.positions, c0, c1), b, w), cache, lp + c0, allowed,
                    false);                                                                // (B, w, V) float32
            float[] logp = n == 0 ? new float[0] : logProbs(logits.reshape(-1, logits.size(-1)), rows, targets);
            logits.close();
            for (int i = 0; i < n; i++) {
                out[owners[i]] += logp[i];
            }
        }
    }

    /**
     * log softmax(logits[row])[target] for each (row, target) pair. Works in place on {@code logits}: a copy of
     * (N, V) float32 is as large as the logits themselves, and fresh allocations of that size cost page faults.
     *
     * @param logits (N, V) float32, overwritten
     */
    static float[] logProbs(Tensor logits, long[] rows, long[] targets) {
        long v = logits.size(1);
        long[] picks = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            picks[i] = rows[i] * v + targets[i];
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor picked = logits.reshape(-1).index_select(0, Tensors.fromLongs(picks, picks.length)); // (R)
            Tensor max = logits.amax(new long[] {1}, true);                                             // (N, 1)
            Tensor lse = logits.sub_(max).exp_().sum(new long[] {1}, false, new ScalarTypeOptional())
                    .log_().add_(max.squeeze(1));                                                        // (N)
            Tensor result = picked.sub(lse.index_select(0, Tensors.fromLongs(rows, rows.length)));
            return Tensors.toFloats(result);
        }
    }

    private static void checkIds(int[] ids, int vocab) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the model's vocabulary of " + vocab);
            }
        }
    }
}
