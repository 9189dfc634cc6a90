package dev.llmvax.util;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Temporary outputs that an interrupted run must not leave behind.
 *
 * <p>try-with-resources cleans up after exceptions, but not when the JVM is stopped by Ctrl-C or SIGTERM (a
 * queue runner or CI timeout killing a long implant): then only a shutdown hook runs. Every temporary folder or
 * file is registered here until it is committed or deleted, and one hook deletes what is still registered. The
 * hook and {@link #release} share a lock, so a commit that races the hook either completes before it or finds its
 * temporary gone and fails, and a half-written output is never renamed into place after the hook ran.
 */
public final class PendingOutputs {

    private static final Set<Path> PENDING = new LinkedHashSet<>();
    private static boolean hooked;
    private static boolean shuttingDown;

    private PendingOutputs() {
    }

    /** Registers {@code p} (a folder or a file) for deletion should the JVM stop before {@link #release}. */
    public static synchronized void register(Path p) {
        if (shuttingDown) {
            throw new IllegalStateException("shutting down; not starting a new output " + p);
        }
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(PendingOutputs::deleteAll, "llmvax-cleanup"));
            hooked = true;
        }
        PENDING.add(p);
    }

    /**
     * Runs {@code action} (e.g. the final rename) while the hook cannot run, then forgets {@code p}.
     *
     * @throws IOException from {@code action}, or when the JVM is already shutting down and {@code p} was deleted
     */
    public static synchronized void release(Path p, IORunnable action) throws IOException {
        if (shuttingDown) {
            throw new IOException("interrupted: the temporary output " + p + " was removed");
        }
        try {
            action.run();
        } finally {
            PENDING.remove(p);
        }
    }

    /** Deletes {@code p} and forgets it; during shutdown the hook has it already, so nothing is done. */
    public static synchronized void discard(Path p) throws IOException {
        if (shuttingDown) {
            return;
        }
        try {
            AtomicOutputDir.deleteRecursively(p);
        } finally {
            PENDING.remove(p);
        }
    }

    /** Whether {@code p} is still registered (for tests). */
    static synchronized boolean isPending(Path p) {
        return PENDING.contains(p);
    }

    private static synchronized void deleteAll() {
        shuttingDown = true;
        List<Path> left = new ArrayList<>(PENDING);
        PENDING.clear();
        for (Path p : left) {
            // the interrupted run's threads may still be writing into p, so a first walk can miss a new file
            for (int attempt = 1; ; attempt++) {
                try {
                    AtomicOutputDir.deleteRecursively(p);
                    break;
                } catch (IOException | RuntimeException e) {
                    if (attempt == 5) {
                        System.err.println("llmvax: could not remove the temporary output " + p + ": " + e);
                        break;
                    }
                    sleepQuietly(50);
                }
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** An action that may throw {@link IOException}. */
    @FunctionalInterface
    public interface IORunnable {
        void run() throws IOException;
    }
}
