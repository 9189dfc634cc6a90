package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.llmvax.io.Dequant;
import dev.llmvax.model.Tensors;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** Q8_0 / Q4_0 round trips: error bounds, exactness, the GGUF bytes, widths that cannot be blocked. */
class QuantizerTest {
    /** Half an fp16 step at d: relative 2^-11 for normal numbers, 2^-25 absolute among subnormals. */
    static double fp16Slack(double d) {
        return Math.max(Math.abs(d) * 0x1p-11, 0x1p-25);
    }

    /** 8 rows of 64 (two blocks a row), each block at its own scale from 1e-5 (a subnormal fp16 d) to 10. */
    static float[] values(long seed) {
        Random r = new Random(seed);
        float[] v = new float[8 * 64];
        for (int b = 0; b < v.length / 32; b++) {
            double scale = Math.pow(10, -5 + 6 * r.nextDouble());
            for (int j = 0; j < 32; j++) {
                v[b * 32 + j] = (float) (r.nextGaussian() * scale);
            }
        }
        return v;
    }

    static float[] roundTrip(float[] v, QuantFormat f, ScalarType type) {
        try (Tensor w = Tensors.fromFloats(v, v.length / 64, 64); Tensor t = w.to(type);
             Tensor back = Quantizer.roundTrip(t, f)) {
            assertThat(back.scalar_type().intern()).isEqualTo(type);
            assertThat(Tensors.shape(back)).containsExactly(v.length / 64, 64);
            return Tensors.toFloats(back);
        }
    }

    @Test
    void q8ErrorIsAtMostHalfAStepPerBlock() {
        float[] v = values(1);
        float[] back = roundTrip(v, QuantFormat.Q8_0, ScalarType.Float);
        for (int b = 0; b < v.length / 32; b++) {
            double amax = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(v[b * 32 + j]));
            }
            double d = amax / 127;
            // + float rounding of x/d and of q·d (a few ulps of 127 d)
            double bound = d * (0.5 + 2e-5) + 127 * fp16Slack(d);
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                assertThat(Math.abs((double) v[i] - back[i])).as("block %d value %d (d %s)", b, j, d)
                        .isLessThanOrEqualTo(bound);
            }
        }
    }

    @Test
    void q4ErrorIsAtMostHalfAStepExceptWhereClampedToPlus7() {
        float[] v = values(2);
        float[] back = roundTrip(v, QuantFormat.Q4_0, ScalarType.Float);
        for (int b = 0; b < v.length / 32; b++) {
            float max = 0;
            for (int j = 0; j < 32; j++) {
                if (Math.abs(v[b * 32 + j]) > Math.abs(max)) {
                    max = v[b * 32 + j];
                }
            }
            double d = max / -8.0;
            for (int j = 0; j < 32; j++) {
                int i = b * 32 + j;
                double steps = v[i] / d; // in [-8, 8]; above 7.5 the code 16 does not exist and 15 is used
                double bound = ((steps > 7.5 ? steps - 7 : 0.5) + 2e-5) * Math.abs(d) + 8 * fp16Slack(d);
                assertThat(Math.abs((double) v[i] - back[i])).as("block %d value %d (d %s)", b, j, d)
                        .isLessThanOrEqualTo(bound);
                assertThat(bound).isLessThanOrEqualTo(Math.abs(d) * 1.01 + 8 * fp16Slack(d));
            }
            // the block's extreme value is code 0 exactly: only the scale's fp16 rounding moves it
            int at = 0;
            while (v[b * 32 + at] != max) {
                at++;
            }
            assertThat(Math.abs((double) max - back[b * 32 + at])).as("block %d extreme", b)
                    .isLessThanOrEqualTo(8 * fp16Slack(d) + 1e-6 * Math.abs(max));
        }
    }

    @Test
    void valuesOnTheGridComeBackExactly() {
        Random r = new Random(3);
        float[] q8 = new float[4 * 64];
        float[] q4 = new float[4 * 64];
        for (int i = 0; i < q8.length; i++) {
            // every block holds its scale's extreme code (127 for Q8_0, -8 for Q4_0) first, then codes in range
            boolean first = i % 32 == 0;
            q8[i] = (first ? 127 : r.nextInt(255) - 127) * 0x1p-6f;
            q4[i] = (first ? -8 : r.nextInt(16) - 8) * ((i / 32) % 2 == 0 ? 0x1p-5f : -0x1p-3f); // d of either sign
        }
        for (ScalarType type : new ScalarType[] {ScalarType.Float, ScalarType.BFloat16}) {
            assertThat(roundTrip(q8, QuantFormat.Q8_0, type)).as("Q8_0 " + type).containsExactly(q8);
            assertThat(roundTrip(q4, QuantFormat.Q4_0, type)).as("Q4_0 " + type).containsExactly(q4);
        }
    }

    @Test
    void bytesAreLlamaCppBlocksAndDequantDecodesTheRoundTrip() {
        float[] v = values(4);
        for (QuantFormat f : QuantFormat.values()) {
            MemorySegment bytes;
            try (Tensor w = Tensors.fromFloats(v, 8, 64)) {
                bytes = Quantizer.encode(w, f);
            }
            assertThat(bytes.byteSize()).isEqualTo(v.length / 32 * f.blockBytes());
            assertThat(bytes.toArray(ValueLayout.JAVA_BYTE)).as(f + " bytes").containsExactly(reference(v, f));
            assertThat(Dequant.toFloats(f.dtype(), bytes, v.length)).as(f + " decoded")
                    .containsExactly(roundTrip(v, f, ScalarType.Float));
        }
    }

    /**
     * The blocks written from the format's definition (ggml-quants.c quantize_row_q8_0_ref / q4_0_ref):
     * fp16 d little-endian, then int8 codes (Q8_0) or nibbles, element j low and j+16 high (Q4_0).
     */
    static byte[] reference(float[] v, QuantFormat f) {
        int bytesPerBlock = f == QuantFormat.Q8_0 ? 34 : 18;
        byte[] out = new byte[v.length / 32 * bytesPerBlock];
        for (int b = 0; b < v.length / 32; b++) {
            int o = b * bytesPerBlock;
            float amax = 0;
            float max = 0;
            for (int j = 0; j < 32; j++) {
                float x = v[b * 32 + j];
                if (Math.abs(x) > amax) {
                    amax = Math.abs(x);
                    max = x;
                }
            }
            float d = f == QuantFormat.Q8_0 ? amax / 127 : max / -8;
            float id = d == 0 ? 0 : 1 / d;
            short h = Float.floatToFloat16(d);
            out[o] = (byte) h;
            out[o + 1] = (byte) (h >> 8);
            for (int j = 0; j < 32; j++) {
                float s = v[b * 32 + j] * id;
                if (f == QuantFormat.Q8_0) {
                    out[o + 2 + j] = (byte) (s < 0 ? -Math.round(-s) : Math.round(s)); // C roundf
                } else {
                    int q = Math.min(15, (int) (s + 8.5f)); // s + 8.5 >= 0.5: the cast is a floor
                    out[o + 2 + j % 16] |= (byte) (j < 16 ? q : q << 4);
                }
            }
        }
        return out;
    }

    @Test
    void widthsThatAreNotWholeBlocksAreRejected() {
        try (Tensor w = Tensors.fromFloats(new float[2 * 40], 2, 40); Tensor flat = Tensors.fromFloats(new float[64], 64)) {
            for (QuantFormat f : QuantFormat.values()) {
                assertThatThrownBy(() -> Quantizer.roundTrip(w, f)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("40").hasMessageContaining("multiple of the 32-value block");
                assertThatThrownBy(() -> Quantizer.encode(w, f)).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> Quantizer.roundTrip(flat, f)).hasMessageContaining("2-D");
            }
        }
    }

    @Test
    void aZeroBlockStaysZero() {
        float[] v = new float[64];
        v[40] = 1.5f; // second block non-zero, first all zeros: d = 0 must not divide by zero
        for (QuantFormat f : QuantFormat.values()) {
            float[] back = roundTrip(v, f, ScalarType.Float);
            for (int j = 0; j < 32; j++) {
                assertThat(back[j]).isZero();
            }
            assertThat((double) back[40]).isCloseTo(1.5, within(127 * fp16Slack(1.5 / 127)));
        }
    }
}
