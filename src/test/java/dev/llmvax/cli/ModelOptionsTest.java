package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.model.Precision;
import dev.llmvax.util.CpuFeatures;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelOptionsTest {
    private static final CpuFeatures AVX2 = new CpuFeatures("AMD EPYC", Set.of("avx2", "fma"), 2);
    private static final CpuFeatures BF16 = new CpuFeatures("AMD EPYC", Set.of("avx2", "avx512f", "avx512_bf16"), 2);
    private static final CpuFeatures AMX = new CpuFeatures("Xeon", Set.of("avx2", "amx_bf16"), 2);

    @Test
    void bf16OnACpuWithoutNativeBf16IsWarnedAbout() {
        assertThat(ModelOptions.slowBf16Warning(Precision.BF16, "cpu", AVX2))
                .hasValueSatisfying(w -> assertThat(w).contains("without native bf16").contains("--dtype auto"));
    }

    @Test
    void bf16WhereItIsFastOrF32IsNot() {
        assertThat(ModelOptions.slowBf16Warning(Precision.BF16, "cpu", BF16)).isEmpty();
        assertThat(ModelOptions.slowBf16Warning(Precision.BF16, "cpu", AMX)).isEmpty();
        assertThat(ModelOptions.slowBf16Warning(Precision.BF16, "cuda:0", AVX2)).isEmpty();
        assertThat(ModelOptions.slowBf16Warning(Precision.F32, "cpu", AVX2)).isEmpty();
    }
}
