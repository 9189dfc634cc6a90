package dev.llmvax.eval.utility;

import dev.llmvax.eval.utility.ScorePlan.Request;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The reference script's method, for checking the batched scorer: one cache-free forward per request over
 * context + continuation, full log-softmax, the continuation's log-probabilities summed.
 */
final class NaiveScorer {
    private NaiveScorer() {
    }

    static double[] score(LlamaModel model, List<Request> requests, int maxLength) {
        double[] out = new double[requests.size()];
        try (InferenceMode guard = new InferenceMode()) {
            for (int r = 0; r < requests.size(); r++) {
                out[r] = score(model, requests.get(r), maxLength);
            }
        }
        return out;
    }

    private static double score(LlamaModel model, Request r, int maxLength) {
        int[] all = new int[r.context().length + r.continuation().length];
        System.arraycopy(r.context(), 0, all, 0, r.context().length);
        System.arraycopy(r.continuation(), 0, all, r.context().length, r.continuation().length);
        int[] ids = all.length > maxLength ? Arrays.copyOfRange(all, all.length - maxLength, all.length) : all;
        int n = ids.length;
        long[] pos = new long[n];
        for (int i = 0; i < n; i++) {
            pos[i] = i;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor logits = model.forward(Tensors.fromInts(ids, 1, n), Tensors.fromLongs(pos, 1, n), null, 0, null,
                    false);
            Tensor lp = logits.select(0, 0).log_softmax(-1, new org.bytedeco.pytorch.ScalarTypeOptional(
                    ScalarType.Float));                                                     // (n, V)
            int v = model.config().vocabSize();
            int k = r.continuation().length;
            long[] picks = new long[k];
            for (int j = n - k; j < n; j++) {
                picks[j - (n - k)] = (long) (j - 1) * v + ids[j]; // position j - 1 predicts token j
            }
            float[] picked = Tensors.toFloats(lp.reshape(-1).index_select(0, Tensors.fromLongs(picks, k)));
            logits.close();
            double sum = 0;
            for (float f : picked) {
                sum += f;
            }
            return sum;
        }
    }
}
