package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DequantTest {

    private static MemorySegment bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            out[i] = (byte) b[i];
        }
        return MemorySegment.ofArray(out);
    }

    @Test
    void q8_0HandBlock() {
        // d = fp16 0x3800 = 0.5; q = 0, 1, -1, 2, -128, 127, then 10..35
        int[] block = new int[34];
        block[0] = 0x00;
        block[1] = 0x38;
        int[] q = {0, 1, -1, 2, -128, 127};
        for (int j = 0; j < 32; j++) {
            block[2 + j] = j < q.length ? q[j] : j + 4;
        }
        float[] w = Dequant.toFloats(DType.Q8_0, bytes(block), 32);
        assertThat(w[0]).isEqualTo(0f);
        assertThat(w[1]).isEqualTo(0.5f);
        assertThat(w[2]).isEqualTo(-0.5f);
        assertThat(w[3]).isEqualTo(1f);
        assertThat(w[4]).isEqualTo(-64f);
        assertThat(w[5]).isEqualTo(63.5f);
        assertThat(w[6]).isEqualTo(5f);
        assertThat(w[31]).isEqualTo(17.5f);
    }

    @Test
    void q4_0HandBlockNibbleOrder() {
        // d = fp16 0x4000 = 2.0; byte j = (j) | (15 - j) << 4: element j = 2*(j-8), element j+16 = 2*(7-j)
        int[] block = new int[18];
        block[0] = 0x00;
        block[1] = 0x40;
        for (int j = 0; j < 16; j++) {
            block[2 + j] = j | ((15 - j) << 4);
        }
        float[] expected = {
            -16, -14, -12, -10, -8, -6, -4, -2, 0, 2, 4, 6, 8, 10, 12, 14,
            14, 12, 10, 8, 6, 4, 2, 0, -2, -4, -6, -8, -10, -12, -14, -16};
        assertThat(Dequant.toFloats(DType.Q4_0, bytes(block), 32)).containsExactly(expected);
    }

    @Test
    void q4_1HandBlockNibbleOrder() {
        // d = fp16 0x3800 = 0.5, m = fp16 0xBC00 = -1.0; element j = 0.5*j - 1, element j+16 = 0.5*(15-j) - 1
        int[] block = new int[20];
        block[0] = 0x00;
        block[1] = 0x38;
        block[2] = 0x00;
        block[3] = 0xBC;
        for (int j = 0; j < 16; j++) {
            block[4 + j] = j | ((15 - j) << 4);
        }
        float[] expected = {
            -1, -0.5f, 0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f,
            6.5f, 6, 5.5f, 5, 4.5f, 4, 3.5f, 3, 2.5f, 2, 1.5f, 1, 0.5f, 0, -0.5f, -1};
        assertThat(Dequant.toFloats(DType.Q4_1, bytes(block), 32)).containsExactly(expected);
    }

    @Test
    void halfFloats() {
        // F16: 1.0, -2.0, 65504, 2^-24 (smallest subnormal); BF16: 1.0, -3.0, 3.140625
        assertThat(Dequant.toFloats(DType.F16, bytes(0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00), 4))
                .containsExactly(1f, -2f, 65504f, 0x1p-24f);
        assertThat(Dequant.toFloats(DType.BF16, bytes(0x80, 0x3F, 0x40, 0xC0, 0x49, 0x40), 3))
                .containsExactly(1f, -3f, 3.140625f);
        assertThat(Dequant.toFloats(DType.F32, bytes(0x00, 0x00, 0x80, 0x3F), 1)).containsExactly(1f);
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(Dequant.toBf16(1f)).isEqualTo((short) 0x3F80);
        // 1 + 2^-8 is exactly halfway between 0x3F80 and 0x3F81: ties to even (0x3F80)
        assertThat(Dequant.toBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3F80);
        // 1 + 3*2^-8 is halfway between 0x3F81 and 0x3F82: ties to even (0x3F82)
        assertThat(Dequant.toBf16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3F82);
        assertThat(Dequant.toBf16(1f + 0x1p-8f + 0x1p-20f)).isEqualTo((short) 0x3F81);
        assertThat(Float.isNaN(Float.intBitsToFloat(Dequant.toBf16(Float.NaN) << 16))).isTrue();
    }

    @Test
    void q8_0QuantizerRoundsHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127; // amax 127 -> d = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.5f;
        x[4] = -126.6f;
        MemorySegment q = Dequant.quantize(DType.Q8_0, x);
        assertThat(q.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0)).isEqualTo((short) 0x3C00);
        assertThat(q.asSlice(2, 5).toArray(ValueLayout.JAVA_BYTE)).containsExactly(127, 3, -3, 1, -127);
    }

    @Test
    void q4QuantizersMatchReferenceOnHandBlock() {
        float[] x = new float[32];
        for (int j = 0; j < 32; j++) {
            x[j] = j - 16; // -16..15: max by abs is -16 -> Q4_0 d = 2; Q4_1 d = 31/15, m = -16
        }
        MemorySegment q40 = Dequant.quantize(DType.Q4_0, x);
        assertThat(Float.float16ToFloat(q40.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0))).isEqualTo(2f);
        // x[0] = -16 -> (int)(-8 + 8.5) = 0; x[16] = 0 -> (int)(0 + 8.5) = 8: byte 0 = 0x80
        assertThat(q40.get(ValueLayout.JAVA_BYTE, 2)).isEqualTo((byte) 0x80);
        // x[15] = -1 -> 8; x[31] = 15 -> (int)(7.5 + 8.5) = 16 -> clamped to 15: byte 15 = 0xF8
        assertThat(q40.get(ValueLayout.JAVA_BYTE, 17)).isEqualTo((byte) 0xF8);

        MemorySegment q41 = Dequant.quantize(DType.Q4_1, x);
        assertThat(Float.float16ToFloat(q41.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2))).isEqualTo(-16f);
        float[] back = Dequant.toFloats(DType.Q4_1, q41, 32);
        assertThat(back[0]).isEqualTo(-16f);
        assertThat(back[31]).isCloseTo(15f, within(0.02f));
    }

    @Test
    void quantizeDequantizeErrorBounds() {
        Random r = new Random(42);
        float[] x = TestFiles.randomFloats(r, 32 * 200, 3);
        float[] q8 = Dequant.toFloats(DType.Q8_0, Dequant.quantize(DType.Q8_0, x), x.length);
        float[] q40 = Dequant.toFloats(DType.Q4_0, Dequant.quantize(DType.Q4_0, x), x.length);
        float[] q41 = Dequant.toFloats(DType.Q4_1, Dequant.quantize(DType.Q4_1, x), x.length);
        for (int b = 0; b < x.length / 32; b++) {
            float amax = 0;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = b * 32; j < b * 32 + 32; j++) {
                amax = Math.max(amax, Math.abs(x[j]));
                min = Math.min(min, x[j]);
                max = Math.max(max, x[j]);
            }
            for (int j = b * 32; j < b * 32 + 32; j++) {
                // half a step plus the fp16 rounding of the scale (and min)
                assertThat(Math.abs(q8[j] - x[j])).isLessThanOrEqualTo(amax / 127 / 2 + amax * 1e-3f);
                assertThat(Math.abs(q40[j] - x[j])).isLessThanOrEqualTo(amax / 8 + amax * 1e-3f);
                assertThat(Math.abs(q41[j] - x[j])).isLessThanOrEqualTo((max - min) / 15 / 2 + amax * 2e-3f);
            }
        }
        float[] f16 = Dequant.toFloats(DType.F16, Dequant.quantize(DType.F16, x), x.length);
        float[] bf16 = Dequant.toFloats(DType.BF16, Dequant.quantize(DType.BF16, x), x.length);
        for (int i = 0; i < x.length; i++) {
            assertThat(f16[i]).isCloseTo(x[i], within(Math.abs(x[i]) * 0x1p-11f + 1e-7f));
            assertThat(bf16[i]).isCloseTo(x[i], within(Math.abs(x[i]) * 0x1p-8f));
        }
        assertThat(Dequant.toFloats(DType.F32, Dequant.quantize(DType.F32, x), x.length)).containsExactly(x);
    }

    /** Large random inputs exercise the parallel path; compare with a plain one-block-at-a-time decode. */
    @Test
    void parallelDecodeMatchesScalarReference() {
        Random r = new Random(1);
        int blocks = 40_000;
        for (DType t : new DType[] {DType.Q8_0, DType.Q4_0, DType.Q4_1}) {
            byte[] raw = new byte[blocks * t.blockBytes()];
            r.nextBytes(raw);
            for (int b = 0; b < blocks; b++) { // keep scales finite
                raw[b * t.blockBytes() + 1] &= 0x3B;
                if (t == DType.Q4_1) {
                    raw[b * t.blockBytes() + 3] &= 0xBB;
                }
            }
            float[] fast = Dequant.toFloats(t, MemorySegment.ofArray(raw), blocks * 32L);
            float[] slow = new float[blocks * 32];
            for (int b = 0; b < blocks; b++) {
                int o = b * t.blockBytes();
                float d = Float.float16ToFloat((short) ((raw[o] & 0xFF) | (raw[o + 1] << 8)));
                for (int j = 0; j < 32; j++) {
                    slow[b * 32 + j] = switch (t) {
                        case Q8_0 -> d * raw[o + 2 + j];
                        case Q4_0 -> d * (nibble(raw, o + 2, j) - 8);
                        default -> d * nibble(raw, o + 4, j)
                                + Float.float16ToFloat((short) ((raw[o + 2] & 0xFF) | (raw[o + 3] << 8)));
                    };
                }
            }
            for (int i = 0; i < slow.length; i++) {
                if (Float.compare(fast[i], slow[i]) != 0) { // AssertJ would format a million floats
                    throw new AssertionError(t + " element " + i + ": " + fast[i] + " != " + slow[i]);
                }
            }
        }
    }

    private static int nibble(byte[] raw, int qs, int j) {
        int b = raw[qs + (j % 16)] & 0xFF;
        return j < 16 ? b & 15 : b >>> 4;
    }
}
