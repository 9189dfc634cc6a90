package dev.llmvax.train;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Optimiser arithmetic as plain Java loops over CPU tensors' memory, one pass each, split in chunks over
 * libtorch's thread count. Each chunk is copied into heap arrays first: C2 vectorises int-indexed array loops
 * (sqrt included) but not these loops over native segments, and a 16 K-element chunk stays in L2.
 */
final class CpuLoops {
    static final int CHUNK = 1 << 14;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort BF16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** Per-thread scratch arrays. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final float[] p = new float[CHUNK];
        final float[] g = new float[CHUNK];
        final float[] m = new float[CHUNK];
        final float[] v = new float[CHUNK];
        final short[] h = new short[CHUNK];
    }

    private CpuLoops() {}

    /** Whether a tensor can take the loops: a contiguous CPU tensor. */
    static boolean usable(Tensor t) {
        return t.device().is_cpu() && t.is_contiguous();
    }

    static boolean isBf16(Tensor t) {
        ScalarType s = t.scalar_type().intern();
        if (s != ScalarType.BFloat16 && s != ScalarType.Float) {
            throw new IllegalArgumentException("expected a float32 or bf16 tensor, got " + s);
        }
        return s == ScalarType.BFloat16;
    }

    static MemorySegment segment(Tensor t) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
    }

    private static IntStream chunks(long n) {
        int count = (int) ((n + CHUNK - 1) / CHUNK);
        IntStream s = IntStream.range(0, count);
        return count > 1 && torch.get_num_threads() > 1 ? s.parallel() : s;
    }

    /** Loads {@code len} values from {@code from} as float32 into {@code out}. */
    private static void load(MemorySegment s, boolean bf16, long from, int len, float[] out, short[] tmp) {
        if (bf16) {
            MemorySegment.copy(s, BF16, from * 2, tmp, 0, len);
            for (int i = 0; i < len; i++) {
                out[i] = Float.intBitsToFloat(tmp[i] << 16);
            }
        } else {
            MemorySegment.copy(s, F32, from * 4, out, 0, len);
        }
    }

    /**
     * The AdamW update of one float32 tensor (see {@link AdamW}); {@code copy} (bf16, or null) receives the
     * result rounded to nearest even.
     */
    static void adamw(Tensor p, Tensor grad, Tensor m, Tensor v, Tensor copy, float b1, float b2, float decay,
                      float stepSize, float invSqrtBc2, float eps, float scale) {
        boolean halfGrad = isBf16(grad);
        if (isBf16(p) || isBf16(m) || isBf16(v) || (copy != null && !isBf16(copy))) {
            throw new IllegalArgumentException("AdamW wants float32 parameters and moments and a bf16 copy");
        }
        MemorySegment ps = segment(p);
        MemorySegment gs = segment(grad);
        MemorySegment ms = segment(m);
        MemorySegment vs = segment(v);
        MemorySegment cs = copy == null ? null : segment(copy);
        long n = p.numel();
        chunks(n).forEach(c -> {
            Scratch w = SCRATCH.get();
            long from = (long) c * CHUNK;
            int len = (int) Math.min(CHUNK, n - from);
            float[] pa = w.p;
            float[] ga = w.g;
            float[] ma = w.m;
            float[] va = w.v;
            MemorySegment.copy(ps, F32, from * 4, pa, 0, len);
            MemorySegment.copy(ms, F32, from * 4, ma, 0, len);
            MemorySegment.copy(vs, F32, from * 4, va, 0, len);
            load(gs, halfGrad, from, len, ga, w.h);
            for (int i = 0; i < len; i++) {
                float g = ga[i] * scale;
                float mk = b1 * ma[i] + (1 - b1) * g;
                float vk = b2 * va[i] + (1 - b2) * g * g;
                ma[i] = mk;
                va[i] = vk;
                pa[i] = pa[i] * decay - stepSize * mk / ((float) Math.sqrt(vk) * invSqrtBc2 + eps);
            }
            MemorySegment.copy(pa, 0, ps, F32, from * 4, len);
            MemorySegment.copy(ma, 0, ms, F32, from * 4, len);
            MemorySegment.copy(va, 0, vs, F32, from * 4, len);
            if (cs != null) {
                short[] h = w.h;
                for (int i = 0; i < len; i++) {
                    h[i] = toBf16(pa[i]);
                }
                MemorySegment.copy(h, 0, cs, BF16, from * 2, len);
            }
        });
    }

    /** Round to nearest even, as libtorch's float-to-bf16 conversion does (NaN stays NaN). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }
}
