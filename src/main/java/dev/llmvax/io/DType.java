package dev.llmvax.io;

import java.nio.file.Path;

/**
 * Tensor element types this package can read and write. The quantized types store blocks of
 * {@value #QBLOCK} values (see {@link Dequant} for the layouts).
 */
public enum DType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    BF16(30, 1, 2),
    Q8_0(8, 32, 34),
    Q4_0(2, 32, 18),
    Q4_1(3, 32, 20);

    /** Values per block of the quantized types. */
    public static final int QBLOCK = 32;

    /** ggml_type names by id (ggml.h); ids 4, 5, 31-33 were removed upstream but keep their names. */
    private static final String[] GGML_NAMES = {
        "F32", "F16", "Q4_0", "Q4_1", "Q4_2", "Q4_3", "Q5_0", "Q5_1", "Q8_0", "Q8_1",
        "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K", "Q8_K", "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",
        "IQ4_NL", "IQ3_S", "IQ2_S", "IQ4_XS", "I8", "I16", "I32", "I64", "F64", "IQ1_M",
        "BF16", "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8",
        "IQ4_NL_8_8", "MXFP4",
    };

    private final int ggmlType;
    private final int blockSize;
    private final int blockBytes;

    DType(int ggmlType, int blockSize, int blockBytes) {
        this.ggmlType = ggmlType;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The safetensors dtype string; throws for quantized types, which safetensors lacks. */
    public String safetensorsName() {
        if (isQuantized()) {
            throw new UnsupportedOperationException(name() + " has no safetensors dtype");
        }
        return name();
    }

    /** Parses a safetensors dtype string ("F32", "F16", "BF16"). */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            default -> throw new IllegalArgumentException(
                    "unsupported safetensors dtype " + name + " (supported: F32, F16, BF16)");
        };
    }

    /** The ggml_type id used in GGUF tensor infos. */
    public int ggmlType() {
        return ggmlType;
    }

    /** Maps a GGUF tensor type id, throwing a {@link ModelFormatException} for unsupported ones. */
    public static DType fromGgml(int type, String tensorName, Path file) {
        for (DType d : values()) {
            if (d.ggmlType == type) {
                return d;
            }
        }
        throw new ModelFormatException(file, "unsupported tensor type " + ggmlName(type)
                + " in tensor " + tensorName
                + " (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1; re-quantize the model to one of these)");
    }

    /** The ggml name of a type id, e.g. "Q4_K", or "type N" for ids unknown to this build. */
    public static String ggmlName(int type) {
        return type >= 0 && type < GGML_NAMES.length ? GGML_NAMES[type] : "type " + Integer.toUnsignedString(type);
    }

    /** Whether values are stored in blocks of {@link #QBLOCK}. */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Values per block (1 for plain float types). */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block (per value for plain float types). */
    public int blockBytes() {
        return blockBytes;
    }

    /**
     * Bytes used by {@code elements} values.
     *
     * @throws IllegalArgumentException if negative or, for quantized types, not a whole number of blocks
     * @throws ArithmeticException on overflow
     */
    public long byteSize(long elements) {
        if (elements < 0) {
            throw new IllegalArgumentException("negative element count " + elements);
        }
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    name() + " needs a multiple of " + blockSize + " elements, got " + elements);
        }
        return Math.multiplyExact(elements / blockSize, (long) blockBytes);
    }
}
