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
 * <p>Each batch is two forward passes through one KV cache: the groups' prefixes, right-padded, as a plain
 * causal prefill whose output is dropped; then every group's segments in one row, under a mask that lets a
 * segment see its own prefix (not the padding) and its own earlier tokens. The second pass's float32 logits
 * cover exactly the positions that predict continuation tokens (plus padding); the log-softmax is taken
 * only at the positions read. On a bf16 model those logits come from the engine's float32 head over the
 * float32 residual stream, so only the matmuls inside the blocks round to bf16.
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
        try (InferenceMode guard = new InferenceMode(); BlasThreads blas = BlasThreads.single()) {
            for (int[] batch : ScorePlan.batches(groups, options)) {
                scoreBatch(model, groups, batch, out);
                for (int g : batch) {
                    for (Read r : groups.get(g).reads()) {
                        onDone.accept(r.request());
                    }
                }
            }
        }
        return out;
    }

    private static void scoreBatch(LlamaModel model, List<Group> groups, int[] batch, double[] out) {
        int b = batch.length;
        int lp = 0; // prefix width
        int tc = 0; // second-pass width
        for (int g : batch) {
            lp = Math.max(lp, groups.get(g).prefix().length);
            tc = Math.max(tc, groups.get(g).row().length);
        }
        Second second = Second.of(groups, batch, lp, tc);
        float[] logp;
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
            Tensor allowed = Tensors.fromSegment(MemorySegment.ofArray(second.mask()), ScalarType.Bool,
                    b, 1, tc, lp + tc);
            Tensor logits = model.forward(Tensors.fromLongs(second.ids(), b, tc),
                    Tensors.fromLongs(second.positions(), b, tc), cache, lp, allowed, false); // (B, Tc, V) float32
            logp = logProbs(logits.reshape(-1, logits.size(-1)), second.columns(), second.targets());
            logits.close();
        }
        for (int i = 0; i < logp.length; i++) {
            out[second.owners()[i]] += logp[i];
        }
    }

    /**
     * The second pass of a batch, flat row-major.
     *
     * @param ids       (B, Tc) the groups' rows, right-padded
     * @param positions (B, Tc) rotary positions
     * @param mask      (B, 1, Tc, Lp + Tc) 1 where a column may attend: its group's prefix (not the padding
     *                  after it) and the earlier columns of its own segment; a padding column sees itself only,
     *                  so no query is left without keys
     * @param columns   flat column ({@code b * Tc + i}) of each prediction read
     * @param targets   the token each read predicts
     * @param owners    the request each read belongs to
     */
    record Second(long[] ids, long[] positions, byte[] mask, long[] columns, long[] targets, int[] owners) {
        static Second of(List<Group> groups, int[] batch, int lp, int tc) {
            int b = batch.length;
            int s = lp + tc;
            int reads = 0;
            for (int g : batch) {
                for (Read r : groups.get(g).reads()) {
                    reads += r.targets().length;
                }
            }
            Second out = new Second(new long[b * tc], new long[b * tc], new byte[b * tc * s], new long[reads],
                    new long[reads], new int[reads]);
            int k = 0;
            for (int r = 0; r < b; r++) {
                Group g = groups.get(batch[r]);
                int n = g.row().length;
                for (int i = 0; i < tc; i++) {
                    int base = (r * tc + i) * s;
                    if (i >= n) {
                        out.mask[base + lp + i] = 1;
                        out.positions[r * tc + i] = g.prefix().length;
                        continue;
                    }
                    out.ids[r * tc + i] = g.row()[i];
                    out.positions[r * tc + i] = g.position()[i];
                    java.util.Arrays.fill(out.mask, base, base + g.prefix().length, (byte) 1);
                    for (int j = i; j >= 0 && g.segment()[j] == g.segment()[i]; j--) {
                        out.mask[base + lp + j] = 1;
                    }
                }
                for (Read read : g.reads()) {
                    for (int j = 0; j < read.targets().length; j++) {
                        out.columns[k] = (long) r * tc + read.offset() + j;
                        out.targets[k] = read.targets()[j];
                        out.owners[k++] = read.request();
                    }
                }
            }
            return out;
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
