package dev.llmvax.model;

import java.lang.foreign.MemorySegment;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Float32 attention of a decode step (one query per row) on the CPU, computed by {@link VectorKernels}
 * straight from the KV cache; the softmax and the padding mask stay in libtorch.
 *
 * <p>Why: libtorch 2.7 without MKL runs a batched matmul as one OpenBLAS call per matrix, and a decode step
 * at batch 32 has 96 (row, kv head) matrices of 3 x 64 x S per product, each paying OpenBLAS's packing and
 * dispatch (5-12 us). Measured on a 2-core Zen 3 over SmolLM2's 30 layers at 128 cached positions: 108 ms per
 * step through {@code bmm}, 12-19 ms through these loops; PyTorch 2.13 with MKL takes 15-19 ms.
 *
 * <p>Needs the {@code jdk.incubator.vector} module ({@code --add-modules jdk.incubator.vector}, which the
 * launcher and the tests pass). Without it, or with {@code -Dllmvax.vectorAttention=false}, {@link #accepts}
 * says no and the batched matmuls serve.
 */
final class DecodeAttention {
    private static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("llmvax.vectorAttention", "true"))
            && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    /**
     * Fewest (row, kv head) blocks worth the loops. Below it the matmuls cost little (a batch-1 step: 6 small
     * calls per layer), and the loops' first calls run in the interpreter before C2 compiles them: an 8-token
     * batch-1 answer decoded at 4.9 instead of 14 tokens/s.
     */
    static final long MIN_BLOCKS = 16;

    private DecodeAttention() {
    }

    /** Whether the JVM has the Vector API and it was not switched off. */
    static boolean enabled() {
        return ENABLED;
    }

    /**
     * Whether {@link #attend} serves these tensors: float32 on the CPU, one query per row, a head dim the
     * vector width divides, k and v laid out as rows of the cache, and no gradient wanted.
     */
    static boolean accepts(Tensor q, Tensor k, Tensor v) {
        if (!ENABLED || q.dim() != 4 || k.dim() != 4 || v.dim() != 4 || q.size(2) != 1) {
            return false;
        }
        for (Tensor t : new Tensor[] {q, k, v}) {
            if (!t.device().is_cpu() || t.scalar_type().intern() != ScalarType.Float || t.requires_grad()) {
                return false;
            }
        }
        long d = q.size(3);
        return d % VectorKernels.lanes() == 0 && k.size(3) == d && v.size(3) == d
                && k.size(0) == q.size(0) && q.size(1) % k.size(1) == 0
                && v.size(0) == k.size(0) && v.size(1) == k.size(1) && v.size(2) == k.size(2)
                && pairStride(k) > 0 && pairStride(v) > 0;
    }

    /**
     * Floats from one (row, kv head) block of {@code t} (B, KV, S, D) to the next, when its rows are contiguous
     * D-float runs and the blocks sit at one fixed, non-overlapping stride (a narrowed KV cache is); else -1.
     */
    static long pairStride(Tensor t) {
        long b = t.size(0);
        long kv = t.size(1);
        long s = t.size(2);
        long d = t.size(3);
        if (s == 0 || t.stride(3) != 1 || (s > 1 && t.stride(2) != d)) {
            return -1;
        }
        if (b * kv == 1) {
            return s * d;
        }
        if (b > 1 && kv > 1 && t.stride(0) != kv * t.stride(1)) {
            return -1;
        }
        long stride = kv > 1 ? t.stride(1) : t.stride(0);
        return stride >= s * d ? stride : -1;
    }

    /** {@link #attend(Tensor, Tensor, Tensor, Tensor, int[], int[])} over every key of every row. */
    static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor bias) {
        return attend(q, k, v, bias, null, null);
    }

    /**
     * Softmax attention of {@code q} over {@code k}/{@code v}, as {@link Attention#batchedMatmul} computes it.
     * With spans, row r attends to keys {@code [spanFrom[r], spanTo[r])} only, as if the rest were masked: rows
     * refilled mid-generation have short histories in a cache as long as the longest, and the keys outside a
     * span are neither read nor multiplied.
     *
     * @param q        (B, H, 1, D)
     * @param k        (B, KV, S, D)
     * @param v        (B, KV, S, D), finite everywhere
     * @param bias     additive mask (1 or B*KV, H/KV, S) in float32, or null
     * @param spanFrom per row, or null (then spanTo is null too)
     * @return (B, H, 1, D) float32
     */
    static Tensor attend(Tensor q, Tensor k, Tensor v, Tensor bias, int[] spanFrom, int[] spanTo) {
        if (!accepts(q, k, v)) {
            throw new IllegalArgumentException("decode attention cannot take these tensors");
        }
        checkSpans(spanFrom, spanTo, q.size(0), k.size(2));
        int b = (int) q.size(0);
        int h = (int) q.size(1);
        int d = (int) q.size(3);
        int kv = (int) k.size(1);
        int s = (int) k.size(2);
        int g = h / kv;
        int pairs = b * kv;
        long kStride = pairStride(k);
        long vStride = pairStride(v);
        Tensor qc = q.contiguous();
        // outside the spans nothing writes a score: -inf there gives those keys a probability of exactly 0
        Tensor scores = spanFrom == null ? torch.empty(pairs, g, s)
                : torch.full(new long[] {pairs, g, s}, new Scalar(Float.NEGATIVE_INFINITY));
        MemorySegment qs = segment(qc, qc.numel());
        MemorySegment ks = segment(k, (pairs - 1) * kStride + (long) s * d);
        MemorySegment ss = segment(scores, scores.numel());
        float scale = (float) (1.0 / Math.sqrt(d));
        split(pairs, (from, to) -> VectorKernels.scores(qs, ks, ss, from, to, g, s, d, kStride, scale,
                spanFrom, spanTo, kv));
        if (bias != null) {
            scores.add_(bias);
        }
        Tensor probs = scores.softmax(-1, new ScalarTypeOptional(ScalarType.Float));
        Tensor out = torch.empty(b, h, 1, d);
        MemorySegment ps = segment(probs, probs.numel());
        MemorySegment vs = segment(v, (pairs - 1) * vStride + (long) s * d);
        MemorySegment os = segment(out, out.numel());
        split(pairs, (from, to) -> VectorKernels.weightedValues(ps, vs, os, from, to, g, s, d, vStride,
                spanFrom, spanTo, kv));
        return out;
    }

    private static void checkSpans(int[] from, int[] to, long rows, long keys) {
        if (from == null && to == null) {
            return;
        }
        if (from == null || to == null || from.length != rows || to.length != rows) {
            throw new IllegalArgumentException("spans need a start and an end for each of " + rows + " rows");
        }
        for (int r = 0; r < rows; r++) {
            if (from[r] < 0 || from[r] > to[r] || to[r] > keys) {
                throw new IllegalArgumentException("span [" + from[r] + ", " + to[r] + ") of row " + r
                        + " is outside " + keys + " keys");
            }
        }
    }

    private static MemorySegment segment(Tensor t, long floats) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(floats * 4);
    }

    private interface Range {
        void run(int from, int to);
    }

    /** Runs {@code [0, n)} in as many contiguous parts as libtorch has threads (the caller's thread takes one). */
    private static void split(int n, Range range) {
        int parts = Math.min(n, Math.max(1, torch.get_num_threads()));
        if (parts == 1) {
            range.run(0, n);
            return;
        }
        IntStream.range(0, parts).parallel().forEach(i -> range.run(n * i / parts, n * (i + 1) / parts));
    }
}
