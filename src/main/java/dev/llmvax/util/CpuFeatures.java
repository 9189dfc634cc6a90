package dev.llmvax.util;

/** Placeholder replaced by the CLI branch. */
public final class CpuFeatures {
    private CpuFeatures() {
    }

    public static boolean hasNativeBf16() {
        try {
            String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo"));
            return s.contains("avx512_bf16") || s.contains("amx_bf16");
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
