package dev.llmvax.model;

import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Grouped-query attention on libtorch 2.7, where the fused kernel's {@code enable_gqa} takes a slow path on
 * the CPU (measured: ~10x slower for a decode step, ~2x for a 64-token prefill).
 * <ul>
 *   <li>Decode steps (one query per row) on the CPU: the query heads of each kv head form one block and
 *       attention is two batched matmuls with no copy of the cache ({@link #explicit}); in float32 with the
 *       Vector API, two Java loops instead ({@link DecodeAttention}).</li>
 *   <li>Multi-token chunks: the fused kernel, with k/v repeated per query head on the CPU (cheap next to
 *       the kernel's gain) and {@code enable_gqa} on CUDA ({@link #fused}).</li>
 * </ul>
 */
final class Attention {
    /** Whether {@link #explicit} serves a chunk of {@code t} queries on this device. */
    static boolean useExplicit(boolean cuda, long t) {
        return !cuda && t == 1;
    }

    /**
     * The additive form of a blocked mask, laid out for {@link #explicit}: 0 where attention is allowed,
     * -inf where it is not.
     *
     * @param blocked (B or 1, 1, 1, T, S) bool, true where attention is forbidden
     * @return (1, G*T, S) when shared by every row, else (B*KV, G*T, S), in {@code type}
     */
    static Tensor additiveMask(Tensor blocked, long kv, long g, ScalarType type) {
        long b = blocked.size(0);
        long t = blocked.size(3);
        long s = blocked.size(4);
        Tensor add = torch.zeros(b, 1, 1, t, s).masked_fill(blocked, new Scalar(Double.NEGATIVE_INFINITY)).to(type);
        return b == 1 ? add.expand(1, 1, g, t, s).reshape(1, g * t, s)
                : add.expand(b, kv, g, t, s).reshape(b * kv, g * t, s);
    }

    /**
     * @param q    (B, H, T, D)
     * @param k    (B, KV, S, D)
     * @param v    (B, KV, S, D)
     * @param bias from {@link #additiveMask} in q's dtype, or null for none
     * @return (B, H, T, D)
     */
    static Tensor explicit(Tensor q, Tensor k, Tensor v, Tensor bias) {
        return explicit(q, k, v, bias, null, null);
    }

    /**
     * {@link #explicit(Tensor, Tensor, Tensor, Tensor)} where {@code bias} masks each row r outside
     * {@code [spanFrom[r], spanTo[r])} (or more): the Vector API loops then skip the keys outside the spans.
     */
    static Tensor explicit(Tensor q, Tensor k, Tensor v, Tensor bias, int[] spanFrom, int[] spanTo) {
        boolean loops = q.size(0) * k.size(1) >= DecodeAttention.MIN_BLOCKS && DecodeAttention.accepts(q, k, v);
        return loops ? DecodeAttention.attend(q, k, v, bias, spanFrom, spanTo) : batchedMatmul(q, k, v, bias);
    }

    /** {@link #explicit} as two batched matmuls over (row, kv head) blocks. */
    static Tensor batchedMatmul(Tensor q, Tensor k, Tensor v, Tensor bias) {
        long b = q.size(0);
        long h = q.size(1);
        long t = q.size(2);
        long d = q.size(3);
        long kv = k.size(1);
        long s = k.size(2);
        long g = h / kv;
        // Query heads of one kv head and their positions form one (G*T)-row block, so both matmuls are plain
        // batched ones over B*KV: no broadcast, hence no copy of the cached k/v; scale and mask ride in baddbmm.
        Tensor q3 = q.reshape(b * kv, g * t, d);                                   // (B*KV, G*T, D)
        Tensor kT = k.transpose(2, 3).reshape(b * kv, d, s);                       // (B*KV, D, S)
        Scalar scale = new Scalar(1.0 / Math.sqrt(d));
        Tensor scores = bias == null ? torch.bmm(q3, kT).mul(scale)
                : torch.baddbmm(bias, q3, kT, new Scalar(1.0), scale);            // (B*KV, G*T, S)
        // softmax accumulates in float32 whatever the compute dtype, as the fused kernel does
        Tensor p = scores.softmax(-1, new ScalarTypeOptional(ScalarType.Float)).to(q.scalar_type());
        return torch.bmm(p, v.reshape(b * kv, s, d)).reshape(b, h, t, d);
    }

    /**
     * Whether a training forward of {@code t} tokens takes {@link #explicit} in the compute dtype: on the CPU,
     * for short rows, its batched matmuls beat libtorch 2.7's flash attention (bf16: a step 1.8x slower with
     * the fused kernel, whose float32 form also needs float32 copies of q, k, v), and its backward has no
     * GEMMs inside OpenMP workers (see {@link BlasThreads}). Its (B*KV, G*T, T) scores are kept for backward,
     * so long rows go to the fused kernel.
     */
    static boolean explicitForTraining(boolean cuda, long t) {
        return !cuda && t <= EXPLICIT_TRAINING_MAX;
    }

    static final long EXPLICIT_TRAINING_MAX = 256;

    /** {@link #additiveMask} of causal attention over {@code t} positions, shared by every row: (1, G*T, T). */
    static Tensor causalBias(long t, long g, ScalarType type) {
        Tensor blocked = torch.ones(t, t).triu(1).to(ScalarType.Bool).reshape(1, 1, 1, t, t);
        return additiveMask(blocked, 1, g, type);
    }

    /**
     * Rows x heads x keys from which the CPU fused kernel runs with OpenBLAS single-threaded. Measured on SmolLM2's
     * shape: the thrash began past 4 x 9 x 192; batch 32 x 9 x 64 ran faster single-threaded; batch 1 x 9 x 64
     * ran slower, since switching OpenBLAS's pool around every call costs more than it saves there.
     */
    static final long SINGLE_BLAS_FROM = 4096;

    /** The fused kernel; {@code allowed} is (B, 1, T, S) bool (true = may attend) or null with {@code causal}. */
    static Tensor fused(Tensor q, Tensor k, Tensor v, Tensor allowed, boolean causal) {
        long groups = q.size(1) / k.size(1);
        boolean gqa = groups > 1 && q.device().is_cuda();
        if (groups > 1 && !gqa) {
            k = k.repeat_interleave(groups, new LongOptional(1), new LongOptional());
            v = v.repeat_interleave(groups, new LongOptional(1), new LongOptional());
        }
        TensorOptional mask = allowed == null ? new TensorOptional() : new TensorOptional(allowed);
        if (q.device().is_cuda()) {
            return torch.scaled_dot_product_attention(q, k, v, mask, 0.0, causal, new DoubleOptional(), gqa);
        }
        if (q.size(0) * q.size(1) * k.size(2) < SINGLE_BLAS_FROM) { // small calls gain less than a switch costs
            return torch.scaled_dot_product_attention(q, k, v, mask, 0.0, causal, new DoubleOptional(), false);
        }
        try (BlasThreads single = BlasThreads.single()) { // see BlasThreads: nested thread pools thrash
            return torch.scaled_dot_product_attention(q, k, v, mask, 0.0, causal, new DoubleOptional(), false);
        }
    }
}
