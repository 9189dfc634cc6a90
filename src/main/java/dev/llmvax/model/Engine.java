package dev.llmvax.model;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Process-wide native settings, applied once before libtorch is loaded.
 *
 * <ul>
 *   <li>{@code GOMP_SPINCOUNT} and {@code OPENBLAS_THREAD_TIMEOUT}: libtorch's OpenMP pool and OpenBLAS's
 *       own threads both spin-wait between operations; on 2 cores they starve each other and every small op
 *       costs ~0.7 ms (measured: a SmolLM2 decode step took 400 ms instead of 60 ms). A short spin before
 *       sleeping removes that; the OpenBLAS timeout matters for fp32, whose GEMMs run there (fp32 prefill
 *       at batch 32: ~330 to ~500 tokens/s).</li>
 *   <li>glibc's malloc thresholds: by default blocks over a moving threshold (128 KiB up to 32 MiB) get their
 *       own mapping and free heap tops over twice that go back to the kernel, so a training step's tensors come
 *       back as fresh pages that the kernel zeroes. A fixed 32 MiB mmap threshold and a 1 GiB trim threshold
 *       keep more of a step's memory for the next (measured, fp32 LoRA on a 2-core Zen 3, 5 steps: 1.55-1.64 M
 *       instead of 1.64-2.15 M page faults, 8.2-9.5 s instead of 10.7-11.2 s of system time; wall time within
 *       that machine's noise). The price: the process keeps up to its peak heap. ({@link #mallocTuned()})</li>
 *   <li>JavaCPP's per-allocation check of the process's physical memory reads /proc on every tensor made
 *       (a few percent of a decode step); libtorch manages its own memory, so the check is switched off.</li>
 * </ul>
 * A value the user already set in the environment or as a system property wins.
 */
public final class Engine {
    private static final int M_TRIM_THRESHOLD = -1; // glibc's malloc.h
    private static final int M_MMAP_THRESHOLD = -3;
    private static volatile boolean done;
    private static volatile boolean mallocTuned;

    private Engine() {
    }

    /** Applies the settings; call before the first use of any org.bytedeco class. Idempotent. */
    public static synchronized void init() {
        if (done) {
            return;
        }
        done = true;
        setPropertyIfAbsent("org.bytedeco.javacpp.maxPhysicalBytes", "0");
        setPropertyIfAbsent("org.bytedeco.javacpp.maxBytes", "0");
        setEnvIfAbsent("GOMP_SPINCOUNT", "1000");
        setEnvIfAbsent("OPENBLAS_THREAD_TIMEOUT", "4");
        mallocTuned = tuneMalloc();
    }

    /** Whether {@link #init()} set glibc's malloc thresholds (false off glibc, or when the user set their own). */
    public static boolean mallocTuned() {
        return mallocTuned;
    }

    private static boolean tuneMalloc() {
        if (System.getenv("MALLOC_MMAP_THRESHOLD_") != null || System.getenv("MALLOC_TRIM_THRESHOLD_") != null
                || System.getenv("GLIBC_TUNABLES") != null) {
            return false;
        }
        try {
            Linker linker = Linker.nativeLinker();
            var found = linker.defaultLookup().find("mallopt");
            if (found.isEmpty()) {
                return false; // not glibc
            }
            MethodHandle mallopt = linker.downcallHandle(found.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            // mallopt returns 1 on success; 32 MiB is the largest mmap threshold glibc accepts on 64-bit
            int mmap = (int) mallopt.invokeExact(M_MMAP_THRESHOLD, 32 << 20);
            int trim = (int) mallopt.invokeExact(M_TRIM_THRESHOLD, 1 << 30);
            return mmap == 1 && trim == 1;
        } catch (Throwable e) {
            return false; // only speed depends on it
        }
    }

    private static void setPropertyIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** libc setenv(name, value, 0): seen by native libraries loaded afterwards (not by System.getenv). */
    private static void setEnvIfAbsent(String name, String value) {
        if (System.getenv(name) != null) {
            return;
        }
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle setenv = linker.downcallHandle(linker.defaultLookup().find("setenv").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment n = arena.allocateFrom(name);
                MemorySegment v = arena.allocateFrom(value);
                int rc = (int) setenv.invokeExact(n, v, 0);
                if (rc != 0) {
                    System.err.println("llmvax: warning: could not set " + name + " (setenv returned " + rc + ")");
                }
            }
        } catch (Throwable e) {
            // Only speed depends on it; say so once and go on.
            System.err.println("llmvax: warning: could not set " + name + ": " + e);
        }
    }
}
