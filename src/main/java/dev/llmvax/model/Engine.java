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
 *   <li>JavaCPP's per-allocation check of the process's physical memory reads /proc on every tensor made
 *       (a few percent of a decode step); libtorch manages its own memory, so the check is switched off.</li>
 * </ul>
 * A value the user already set in the environment or as a system property wins.
 */
public final class Engine {
    private static volatile boolean done;

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
