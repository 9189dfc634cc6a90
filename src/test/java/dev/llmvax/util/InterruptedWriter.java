package dev.llmvax.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A process for {@link PendingOutputsTest}: starts an atomic output folder, an atomic file and a plain temp
 * registration, writes into them, says "ready" and waits to be killed.
 */
public final class InterruptedWriter {

    private InterruptedWriter() {
    }

    public static void main(String[] args) throws Exception {
        Path parent = Path.of(args[0]);
        AtomicOutputDir out = AtomicOutputDir.create(parent.resolve("out"), false);
        Files.writeString(out.tmp().resolve("model.safetensors"), "half written");
        Thread writer = new Thread(() -> {
            try {
                AtomicOutputDir.writeAtomically(parent.resolve("file.json"), tmp -> {
                    Files.writeString(tmp, "{");
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            } catch (Exception e) {
                // interrupted by the JVM stopping: the point of the test
            }
        });
        writer.setDaemon(true);
        writer.start();
        while (entries(parent) < 2) { // out's and file.json's temporaries both exist
            Thread.sleep(10);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(60_000);
    }

    private static long entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
