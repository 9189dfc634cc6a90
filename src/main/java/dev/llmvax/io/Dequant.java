package dev.llmvax.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.stream.IntStream;

/**
 * Conversion between stored tensor data and float32, and llama.cpp's reference quantizers.
 *
 * <p>Block layouts (32 values each, little-endian):
 * <ul>
 *   <li>Q8_0, 34 bytes: fp16 d, 32 int8 q; w = d*q.</li>
 *   <li>Q4_0, 18 bytes: fp16 d, 16 bytes of nibbles; byte j holds element j in its low nibble and
 *       element j+16 in its high nibble; w = d*(q-8).</li>
 *   <li>Q4_1, 20 bytes: fp16 d, fp16 m, 16 bytes of nibbles as in Q4_0; w = d*q + m.</li>
 * </ul>
 */
public final class Dequant {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Blocks (or values, for plain types) per parallel chunk. */
    private static final int CHUNK = 1 << 14;
    /** An unstarted thread: a segment accessible by it is accessible by pool threads too. */
    private static final Thread PROBE = Thread.ofPlatform().unstarted(() -> { });

    private Dequant() {
    }

    /**
     * Converts {@code elements} values of {@code dtype} at the start of {@code src} to float32.
     *
     * @throws IllegalArgumentException if src is too short or the count does not fit a float[]
     */
    public static float[] toFloats(DType dtype, MemorySegment src, long elements) {
        long bytes = dtype.byteSize(elements);
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(elements + " elements do not fit in a float[]");
        }
        if (src.byteSize() < bytes) {
            throw new IllegalArgumentException(dtype + " data for " + elements + " elements needs "
                    + bytes + " bytes, segment has " + src.byteSize());
        }
        float[] out = new float[(int) elements];
        int units = (int) (elements / dtype.blockSize());
        int chunks = (units + CHUNK - 1) / CHUNK;
        IntStream range = IntStream.range(0, chunks);
        if (chunks > 1 && src.isAccessibleBy(PROBE)) {
            range = range.parallel();
        }
        range.forEach(c -> {
            int from = c * CHUNK;
            int to = Math.min(units, from + CHUNK);
            switch (dtype) {
                case F32 -> MemorySegment.copy(src, FLOAT, (long) from * 4, out, from, to - from);
                case F16 -> {
                    for (int i = from; i < to; i++) {
                        out[i] = Float.float16ToFloat(src.get(SHORT, 2L * i));
                    }
                }
                case BF16 -> {
                    for (int i = from; i < to; i++) {
                        out[i] = Float.intBitsToFloat(src.get(SHORT, 2L * i) << 16);
                    }
                }
                case Q8_0 -> q8_0(src, out, from, to);
                case Q4_0 -> q4(src, out, from, to, 18, false);
                case Q4_1 -> q4(src, out, from, to, 20, true);
            }
        });
        return out;
    }

    private static void q8_0(MemorySegment src, float[] out, int fromBlock, int toBlock) {
        for (int b = fromBlock; b < toBlock; b++) {
            long o = 34L * b;
            float d = Float.float16ToFloat(src.get(SHORT, o));
            int base = b * 32;
            for (int w = 0; w < 4; w++) {
                long q = src.get(LONG, o + 2 + 8 * w);
                for (int k = 0; k < 8; k++) {
                    out[base + 8 * w + k] = d * (byte) (q >>> (8 * k));
                }
            }
        }
    }

    private static void q4(MemorySegment src, float[] out, int fromBlock, int toBlock, int blockBytes,
            boolean hasMin) {
        for (int b = fromBlock; b < toBlock; b++) {
            long o = (long) blockBytes * b;
            float d = Float.float16ToFloat(src.get(SHORT, o));
            long qs = o + (hasMin ? 4 : 2);
            long lo = src.get(LONG, qs);
            long hi = src.get(LONG, qs + 8);
            int base = b * 32;
            if (hasMin) {
                float m = Float.float16ToFloat(src.get(SHORT, o + 2));
                for (int j = 0; j < 8; j++) {
                    int q0 = (int) (lo >>> (8 * j)) & 0xFF;
                    int q1 = (int) (hi >>> (8 * j)) & 0xFF;
                    out[base + j] = d * (q0 & 15) + m;
                    out[base + 8 + j] = d * (q1 & 15) + m;
                    out[base + 16 + j] = d * (q0 >>> 4) + m;
                    out[base + 24 + j] = d * (q1 >>> 4) + m;
                }
            } else {
                // d * (q - 8), as ggml computes it (d*q - 8d would turn -0.0 into +0.0)
                for (int j = 0; j < 8; j++) {
                    int q0 = (int) (lo >>> (8 * j)) & 0xFF;
                    int q1 = (int) (hi >>> (8 * j)) & 0xFF;
                    out[base + j] = d * ((q0 & 15) - 8);
                    out[base + 8 + j] = d * ((q1 & 15) - 8);
                    out[base + 16 + j] = d * ((q0 >>> 4) - 8);
                    out[base + 24 + j] = d * ((q1 >>> 4) - 8);
                }
            }
        }
    }

    /**
     * Encodes float32 values as {@code dtype} with llama.cpp's reference quantizers
     * (quantize_row_q8_0_ref, _q4_0_ref, _q4_1_ref); F16 and BF16 round to nearest even.
     * Returns a heap segment of little-endian bytes.
     */
    public static MemorySegment quantize(DType dtype, float[] values) {
        long bytes = dtype.byteSize(values.length);
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(values.length + " values are too many for one heap segment");
        }
        MemorySegment out = MemorySegment.ofArray(new byte[(int) bytes]);
        switch (dtype) {
            case F32 -> MemorySegment.copy(values, 0, out, FLOAT, 0, values.length);
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    out.set(SHORT, 2L * i, Float.floatToFloat16(values[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    out.set(SHORT, 2L * i, toBf16(values[i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < values.length / 32; b++) {
                    quantizeQ8_0(values, b * 32, out, 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < values.length / 32; b++) {
                    quantizeQ4_0(values, b * 32, out, 18L * b);
                }
            }
            case Q4_1 -> {
                for (int b = 0; b < values.length / 32; b++) {
                    quantizeQ4_1(values, b * 32, out, 20L * b);
                }
            }
        }
        return out;
    }

    /** float32 to bfloat16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    private static void quantizeQ8_0(float[] x, int from, MemorySegment out, long o) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float d = amax / 127;
        float id = d != 0 ? 1 / d : 0;
        out.set(SHORT, o, Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            out.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) roundf(x[from + j] * id));
        }
    }

    private static void quantizeQ4_0(float[] x, int from, MemorySegment out, long o) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[from + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        out.set(SHORT, o, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) (x[from + j] * id + 8.5f));
            int q1 = Math.min(15, (int) (x[from + 16 + j] * id + 8.5f));
            out.set(ValueLayout.JAVA_BYTE, o + 2 + j, (byte) (q0 | (q1 << 4)));
        }
    }

    private static void quantizeQ4_1(float[] x, int from, MemorySegment out, long o) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            min = Math.min(min, x[from + j]);
            max = Math.max(max, x[from + j]);
        }
        float d = (max - min) / 15;
        float id = d != 0 ? 1 / d : 0;
        out.set(SHORT, o, Float.floatToFloat16(d));
        out.set(SHORT, o + 2, Float.floatToFloat16(min));
        for (int j = 0; j < 16; j++) {
            int q0 = Math.min(15, (int) ((x[from + j] - min) * id + 0.5f));
            int q1 = Math.min(15, (int) ((x[from + 16 + j] - min) * id + 0.5f));
            out.set(ValueLayout.JAVA_BYTE, o + 4 + j, (byte) (q0 | (q1 << 4)));
        }
    }

    /** C's roundf: halfway cases away from zero (Math.round rounds them up). */
    private static int roundf(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }
}
