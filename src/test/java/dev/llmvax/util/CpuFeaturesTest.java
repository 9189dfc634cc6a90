package dev.llmvax.util;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CpuFeaturesTest {

    /** Two sockets, two cores each, hyper-threaded: 8 logical CPUs, 4 physical cores. */
    private static String cpuinfo(String flags) {
        StringBuilder s = new StringBuilder();
        int cpu = 0;
        for (int socket = 0; socket < 2; socket++) {
            for (int thread = 0; thread < 2; thread++) {
                for (int core = 0; core < 2; core++) {
                    s.append("processor\t: ").append(cpu++).append('\n')
                            .append("model name\t: AMD EPYC 9R14\n")
                            .append("physical id\t: ").append(socket).append('\n')
                            .append("core id\t\t: ").append(core).append('\n')
                            .append("flags\t\t: ").append(flags).append("\n\n");
                }
            }
        }
        return s.toString();
    }

    @Test
    void bf16NeedsAvx512Bf16OrAmx() {
        assertThat(CpuFeatures.parse(cpuinfo("fpu sse2 avx2 avx512f avx512_bf16 avx512_vnni"), 8).hasNativeBf16()).isTrue();
        assertThat(CpuFeatures.parse(cpuinfo("fpu avx512f amx_bf16 amx_tile"), 8).hasNativeBf16()).isTrue();
        // avx512f alone, and flags that merely contain the text, do not count
        assertThat(CpuFeatures.parse(cpuinfo("fpu avx2 avx512f avx512bw avx512_vnni xavx512_bf16x"), 8).hasNativeBf16()).isFalse();
    }

    @Test
    void physicalCoresCountsDistinctSocketAndCorePairs() {
        CpuFeatures cpu = CpuFeatures.parse(cpuinfo("fpu"), 8);
        assertThat(cpu.physicalCores()).isEqualTo(4);
        assertThat(cpu.modelName()).isEqualTo("AMD EPYC 9R14");
    }

    @Test
    void withoutCoreIdsFallsBackToProcessorsThenToTheRuntime() {
        assertThat(CpuFeatures.parse("processor : 0\nprocessor : 1\nFeatures : fp asimd\n", 16).physicalCores()).isEqualTo(2);
        assertThat(CpuFeatures.parse("", 16).physicalCores()).isEqualTo(16);
        assertThat(CpuFeatures.parse("", 16).flags()).isEmpty();
    }

    @Test
    void currentMachineIsReadable() {
        CpuFeatures cpu = CpuFeatures.current();
        assertThat(cpu.physicalCores()).isPositive();
        assertThat(cpu.modelName()).isNotBlank();
    }
}
