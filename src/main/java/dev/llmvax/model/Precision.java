package dev.llmvax.model;

import dev.llmvax.util.CpuFeatures;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Compute dtype. bf16 is ~3x faster than fp32 on CPUs with native bf16 (avx512_bf16, AMX) and slower on CPUs
 * without it: ~3x on an Intel Xeon (docs/java-notes.md), over 100x for a matmul on an AVX2-only AMD EPYC, where
 * libtorch falls back to a scalar kernel (docs/PERFORMANCE.md). So {@code auto} picks per machine.
 */
public enum Precision {
    F32(ScalarType.Float, "float32"),
    BF16(ScalarType.BFloat16, "bfloat16");

    private final ScalarType scalarType;
    private final String hfName;

    Precision(ScalarType scalarType, String hfName) {
        this.scalarType = scalarType;
        this.hfName = hfName;
    }

    public ScalarType scalarType() {
        return scalarType;
    }

    /** The name transformers writes in {@code config.json}'s {@code dtype}. */
    public String hfName() {
        return hfName;
    }

    /** Parses {@code f32}, {@code fp32}, {@code float32}, {@code bf16}, {@code bfloat16} or {@code auto}. */
    public static Precision parse(String s, boolean cuda) {
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32" -> F32;
            case "bf16", "bfloat16" -> BF16;
            case "auto" -> cuda || CpuFeatures.current().hasNativeBf16() ? BF16 : F32;
            default -> throw new IllegalArgumentException("unknown dtype '" + s + "'; use f32, bf16 or auto");
        };
    }
}
