package dev.llmvax.model;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two halves of a decode step's attention as Vector API loops over float32 native memory, for
 * {@link DecodeAttention}. Only that class touches this one, and only once it has seen the
 * {@code jdk.incubator.vector} module, so a JVM started without the module never loads it.
 *
 * <p>Layout: "pairs" are (row, kv head) blocks. Queries are {@code (pairs, G, D)} contiguous; keys and values
 * are {@code D}-float rows, {@code pairStride} floats from one pair to the next (a view into the KV cache).
 */
final class VectorKernels {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private VectorKernels() {
    }

    /** Floats per vector: the head dim must be a multiple of it. */
    static int lanes() {
        return SPECIES.length();
    }

    /**
     * {@code scores[p][g][s] = scale * q[p][g] . k[p][s]} for pairs {@code [from, to)}; scores are
     * {@code (pairs, G, S)} contiguous. With spans, a pair of row r takes keys {@code [spanFrom[r], spanTo[r])}
     * only and leaves its other scores as they were.
     *
     * @param spanFrom per row, or null for all S keys of every pair
     * @param kvHeads  pairs per row, to find a pair's row
     */
    static void scores(MemorySegment q, MemorySegment k, MemorySegment scores, int from, int to, int g, int s,
                       int d, long pairStride, float scale, int[] spanFrom, int[] spanTo, int kvHeads) {
        for (int p = from; p < to; p++) {
            long kBase = p * pairStride * 4;
            int lo = spanFrom == null ? 0 : spanFrom[p / kvHeads];
            int hi = spanTo == null ? s : spanTo[p / kvHeads];
            int h = 0;
            for (; h + 3 <= g; h += 3) {
                scoresThreeHeads(q, k, scores, p * g + h, kBase, lo, hi, s, d, scale);
            }
            for (; h < g; h++) {
                scoresOneHead(q, k, scores, p * g + h, kBase, lo, hi, s, d, scale);
            }
        }
    }

    /**
     * Three query heads of one pair, two keys at a time, so each key is read from memory once for all three. A
     * pass per head ({@link #scoresOneHead}) reads a pair's keys from memory in the first pass and from L2 in the
     * others, and memory sits idle meanwhile; a decode step's cache is far larger than the CPU's caches, so the
     * step waits on memory. Each score sums in the same order as one head's, so the scores are bit-identical.
     */
    private static void scoresThreeHeads(MemorySegment q, MemorySegment k, MemorySegment scores, long head,
                                         long kBase, int lo, int hi, int s, int d, float scale) {
        long row = d * 4L;
        int step = SPECIES.length();
        long q0 = head * row;
        long q1 = q0 + row;
        long q2 = q1 + row;
        long o0 = head * s * 4L;
        long o1 = o0 + s * 4L;
        long o2 = o1 + s * 4L;
        int j = lo;
        for (; j + 2 <= hi; j += 2) {
            long k0 = kBase + j * row;
            FloatVector a00 = FloatVector.zero(SPECIES);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            for (int c = 0; c < d; c += step) {
                long off = c * 4L;
                FloatVector x0 = FloatVector.fromMemorySegment(SPECIES, k, k0 + off, ORDER);
                FloatVector x1 = FloatVector.fromMemorySegment(SPECIES, k, k0 + row + off, ORDER);
                FloatVector qc = FloatVector.fromMemorySegment(SPECIES, q, q0 + off, ORDER);
                a00 = x0.fma(qc, a00);
                a01 = x1.fma(qc, a01);
                qc = FloatVector.fromMemorySegment(SPECIES, q, q1 + off, ORDER);
                a10 = x0.fma(qc, a10);
                a11 = x1.fma(qc, a11);
                qc = FloatVector.fromMemorySegment(SPECIES, q, q2 + off, ORDER);
                a20 = x0.fma(qc, a20);
                a21 = x1.fma(qc, a21);
            }
            long o = j * 4L;
            scores.set(F32, o0 + o, a00.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o0 + o + 4, a01.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o1 + o, a10.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o1 + o + 4, a11.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o2 + o, a20.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o2 + o + 4, a21.reduceLanes(VectorOperators.ADD) * scale);
        }
        if (j < hi) {
            for (long h = head; h < head + 3; h++) {
                scoresOneHead(q, k, scores, h, kBase, j, hi, s, d, scale);
            }
        }
    }

    /** One query head against keys {@code [lo, hi)} of its pair. */
    private static void scoresOneHead(MemorySegment q, MemorySegment k, MemorySegment scores, long head,
                                      long kBase, int lo, int hi, int s, int d, float scale) {
        long row = d * 4L;
        int step = SPECIES.length();
        long qRow = head * row;
        long out = head * s * 4L;
        int j = lo;
        // four keys at a time: each query load feeds four independent FMA chains
        for (; j + 4 <= hi; j += 4) {
            long k0 = kBase + j * row;
            FloatVector a0 = FloatVector.zero(SPECIES);
            FloatVector a1 = a0;
            FloatVector a2 = a0;
            FloatVector a3 = a0;
            for (int c = 0; c < d; c += step) {
                long off = c * 4L;
                FloatVector qc = FloatVector.fromMemorySegment(SPECIES, q, qRow + off, ORDER);
                a0 = FloatVector.fromMemorySegment(SPECIES, k, k0 + off, ORDER).fma(qc, a0);
                a1 = FloatVector.fromMemorySegment(SPECIES, k, k0 + row + off, ORDER).fma(qc, a1);
                a2 = FloatVector.fromMemorySegment(SPECIES, k, k0 + 2 * row + off, ORDER).fma(qc, a2);
                a3 = FloatVector.fromMemorySegment(SPECIES, k, k0 + 3 * row + off, ORDER).fma(qc, a3);
            }
            long o = out + j * 4L;
            scores.set(F32, o, a0.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o + 4, a1.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o + 8, a2.reduceLanes(VectorOperators.ADD) * scale);
            scores.set(F32, o + 12, a3.reduceLanes(VectorOperators.ADD) * scale);
        }
        for (; j < hi; j++) {
            long kRow = kBase + j * row;
            FloatVector a = FloatVector.zero(SPECIES);
            for (int c = 0; c < d; c += step) {
                long off = c * 4L;
                a = FloatVector.fromMemorySegment(SPECIES, k, kRow + off, ORDER)
                        .fma(FloatVector.fromMemorySegment(SPECIES, q, qRow + off, ORDER), a);
            }
            scores.set(F32, out + j * 4L, a.reduceLanes(VectorOperators.ADD) * scale);
        }
    }

    /**
     * {@code out[p][g] = sum_s probs[p][g][s] * v[p][s]} for pairs {@code [from, to)}; probs are
     * {@code (pairs, G, S)} and out {@code (pairs, G, D)}, both contiguous. With spans, the sum runs over a
     * row's span only: the probabilities outside it must be zero (and the values there finite), so the result
     * is the same.
     *
     * <p>A pass per head, unlike {@link #scores}: a three-head version (twelve accumulators, two passes over each
     * pair's values) took as many perf samples inside the model as this one (SmolLM2, 128 rows, 288 keys).
     */
    static void weightedValues(MemorySegment probs, MemorySegment v, MemorySegment out, int from, int to, int g,
                               int s, int d, long pairStride, int[] spanFrom, int[] spanTo, int kvHeads) {
        long row = d * 4L;
        int step = SPECIES.length();
        long block = 4L * step * 4; // four vectors of output accumulate in registers at a time
        for (int p = from; p < to; p++) {
            long vBase = p * pairStride * 4;
            int lo = spanFrom == null ? 0 : spanFrom[p / kvHeads];
            int hi = spanTo == null ? s : spanTo[p / kvHeads];
            for (int h = 0; h < g; h++) {
                long pRow = ((long) p * g + h) * s * 4L;
                long oRow = ((long) p * g + h) * row;
                long c = 0;
                for (; c + block <= row; c += block) {
                    FloatVector a0 = FloatVector.zero(SPECIES);
                    FloatVector a1 = a0;
                    FloatVector a2 = a0;
                    FloatVector a3 = a0;
                    long vb = SPECIES.vectorByteSize();
                    for (int j = lo; j < hi; j++) {
                        FloatVector w = FloatVector.broadcast(SPECIES, probs.get(F32, pRow + j * 4L));
                        long at = vBase + j * row + c;
                        a0 = FloatVector.fromMemorySegment(SPECIES, v, at, ORDER).fma(w, a0);
                        a1 = FloatVector.fromMemorySegment(SPECIES, v, at + vb, ORDER).fma(w, a1);
                        a2 = FloatVector.fromMemorySegment(SPECIES, v, at + 2 * vb, ORDER).fma(w, a2);
                        a3 = FloatVector.fromMemorySegment(SPECIES, v, at + 3 * vb, ORDER).fma(w, a3);
                    }
                    a0.intoMemorySegment(out, oRow + c, ORDER);
                    a1.intoMemorySegment(out, oRow + c + vb, ORDER);
                    a2.intoMemorySegment(out, oRow + c + 2 * vb, ORDER);
                    a3.intoMemorySegment(out, oRow + c + 3 * vb, ORDER);
                }
                for (; c < row; c += SPECIES.vectorByteSize()) { // head dims that are not a multiple of four vectors
                    FloatVector a = FloatVector.zero(SPECIES);
                    for (int j = lo; j < hi; j++) {
                        FloatVector w = FloatVector.broadcast(SPECIES, probs.get(F32, pRow + j * 4L));
                        a = FloatVector.fromMemorySegment(SPECIES, v, vBase + j * row + c, ORDER).fma(w, a);
                    }
                    a.intoMemorySegment(out, oRow + c, ORDER);
                }
            }
        }
    }
}
