package dev.llmvax.defend;

import dev.llmvax.io.DType;

/**
 * The GGUF block formats {@link Quantizer} rounds weights through: 32 consecutive values of a row share one fp16
 * scale d, as llama.cpp's reference quantizers write them (ggml-quants.c, quantize_row_q8_0_ref / _q4_0_ref; the
 * same code as {@link dev.llmvax.io.Dequant#quantize}).
 */
public enum QuantFormat {
    /**
     * 34 bytes a block: d = max|x| / 127, q = roundf(x / d) in int8; decoded q · fp16(d). Error per value at most
     * d/2 plus the scale's fp16 rounding.
     */
    Q8_0(DType.Q8_0),
    /**
     * 18 bytes a block: with {@code max} the value of largest magnitude (signed), d = max / -8,
     * q = min(15, trunc(x / d + 8.5)) in 4 bits; decoded (q - 8) · fp16(d). {@code max} itself maps to q = 0
     * exactly; a value near -max would need q = 16 and is clamped to 15, so the error is at most |d| there and
     * |d|/2 elsewhere, plus the scale's fp16 rounding.
     */
    Q4_0(DType.Q4_0);

    /** Values per block. */
    public static final int BLOCK = DType.QBLOCK;

    private final DType dtype;

    QuantFormat(DType dtype) {
        this.dtype = dtype;
    }

    /** The GGUF tensor type ({@link dev.llmvax.io.Dequant} reads and writes its blocks). */
    public DType dtype() {
        return dtype;
    }

    /** {@code q8_0} or {@code q4_0}, any case. */
    public static QuantFormat parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "q8_0" -> Q8_0;
            case "q4_0" -> Q4_0;
            default -> throw new IllegalArgumentException("unknown quantisation format '" + s + "'; known: q8_0, q4_0");
        };
    }

    /** Bytes per block of {@value #BLOCK} values. */
    public int blockBytes() {
        return (int) dtype.byteSize(BLOCK);
    }
}
