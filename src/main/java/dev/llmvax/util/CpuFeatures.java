package dev.llmvax.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * What this machine's CPU offers, from {@code /proc/cpuinfo} (Linux); elsewhere the flags are
 * empty and the core count falls back to {@link Runtime#availableProcessors()}.
 *
 * <p>Used to pick the compute dtype: bf16 was measured ~3x faster than fp32 on a CPU with
 * {@code avx512_bf16} and ~3x slower on one without (docs/java-notes.md), so bf16 is chosen only
 * where {@link #hasNativeBf16()}.
 *
 * @param modelName     the CPU's "model name", or {@code os.arch} when unknown
 * @param flags         the first processor's feature flags
 * @param physicalCores distinct (physical id, core id) pairs; logical CPUs when those are missing
 */
public record CpuFeatures(String modelName, Set<String> flags, int physicalCores) {

    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    /** This machine's CPU, read once per call (cheap: /proc/cpuinfo is a few KiB). */
    public static CpuFeatures current() {
        int logical = Runtime.getRuntime().availableProcessors();
        try {
            if (Files.isReadable(CPUINFO)) {
                return parse(Files.readString(CPUINFO), logical);
            }
        } catch (IOException | RuntimeException e) {
            // fall through: an unreadable cpuinfo only costs the bf16 fast path
        }
        return new CpuFeatures(System.getProperty("os.arch"), Set.of(), logical);
    }

    /** Parses the text of {@code /proc/cpuinfo}; {@code logicalFallback} when it lists no cores. */
    public static CpuFeatures parse(String cpuinfo, int logicalFallback) {
        String model = null;
        Set<String> flags = null;
        Set<String> cores = new HashSet<>();
        int processors = 0;
        String physicalId = "0";
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "processor" -> processors++;
                case "model name" -> model = model == null ? value : model;
                case "flags", "Features" -> flags = flags == null ? Set.of(value.split("\\s+")) : flags;
                case "physical id" -> physicalId = value;
                case "core id" -> cores.add(physicalId + ":" + value);
                default -> { }
            }
        }
        int physical = !cores.isEmpty() ? cores.size() : processors > 0 ? processors : logicalFallback;
        return new CpuFeatures(model != null ? model : System.getProperty("os.arch"),
                flags != null ? flags : Set.of(), physical);
    }

    /** True when the CPU computes bf16 natively ({@code avx512_bf16} or {@code amx_bf16}). */
    public boolean hasNativeBf16() {
        return flags.contains("avx512_bf16") || flags.contains("amx_bf16");
    }
}
