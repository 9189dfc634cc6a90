package dev.llmvax.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers for building, patching and locating test files. */
final class TestFiles {
    private TestFiles() {
    }

    /** The shared folder (models, golden files), from -Dllmvax.shared or ../shared. */
    static Path shared() {
        return Path.of(System.getProperty("llmvax.shared", "../shared"));
    }

    static Path smolGguf() {
        return shared().resolve("models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf");
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path p, byte[] bytes) {
        try {
            return Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A safetensors file from a raw JSON header (unpadded) and raw data. */
    static byte[] safetensors(String json, byte[] data) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    /** Index of the first occurrence of {@code needle} in {@code hay}. */
    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found: " + new String(needle, StandardCharsets.UTF_8));
    }

    /** Index just after a GGUF string (u64 length + bytes) equal to {@code s}. */
    static int afterGgufString(byte[] file, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return indexOf(file, b) + b.length;
    }

    static void putU32(byte[] file, int at, int v) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putInt(at, v);
    }

    static void putU64(byte[] file, int at, long v) {
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(at, v);
    }

    static long getU64(byte[] file, int at) {
        return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(at);
    }

    static float[] randomFloats(java.util.Random r, int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian() * scale;
        }
        return f;
    }
}
