package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Parsers given garbage either succeed or throw ModelFormatException: never another exception,
 * an out-of-memory error or a hang.
 */
class ParserFuzzProperties {
    private static Path dir;
    private static byte[] validGguf;
    private static byte[] validSafetensors;

    @BeforeContainer
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("llmvax-fuzz");
        validGguf = TestFiles.read(GgufRoundTripTest.tiny(dir));
        Path st = dir.resolve("valid.safetensors");
        Random r = new Random(9);
        SafetensorsWriter.write(st, Map.of("format", "pt"), List.of(
                SafetensorsWriter.f32("a", new long[] {2, 3}, TestFiles.randomFloats(r, 6, 1)),
                SafetensorsWriter.bf16("b", new long[] {4}, TestFiles.randomFloats(r, 4, 1)),
                SafetensorsWriter.f16("c", new long[] {}, new float[] {1})));
        validSafetensors = TestFiles.read(st);
    }

    @AfterContainer
    static void tearDown() throws IOException {
        try (var files = Files.list(dir)) {
            files.forEach(f -> f.toFile().delete());
        }
        Files.deleteIfExists(dir);
    }

    /** Opens the bytes as a file and reads every tensor; only ModelFormatException may escape. */
    private static void survives(byte[] bytes, String ext) {
        Path p = TestFiles.write(dir.resolve("fuzz." + ext), bytes);
        try {
            if (ext.equals("gguf")) {
                try (GgufFile f = GgufFile.open(p)) {
                    f.tensors().keySet().forEach(f::toFloats);
                    f.metadata().keySet().forEach(f::typed);
                }
            } else {
                try (SafetensorsFile f = SafetensorsFile.open(p)) {
                    f.tensors().keySet().forEach(f::toFloats);
                }
            }
        } catch (ModelFormatException e) {
            assertThat(e.getMessage()).startsWith(p + ": ");
        }
    }

    @Provide
    Arbitrary<byte[]> mutations() {
        return Arbitraries.integers().between(1, 8).flatMap(n -> Arbitraries.integers().list().ofSize(3 * n)
                .map(ints -> ints.stream().mapToInt(Integer::intValue).toArray())
                .map(ParserFuzzProperties::encodeOps));
    }

    private static byte[] encodeOps(int[] ints) {
        byte[] b = new byte[ints.length * 4];
        for (int i = 0; i < ints.length; i++) {
            b[4 * i] = (byte) ints[i];
            b[4 * i + 1] = (byte) (ints[i] >> 8);
            b[4 * i + 2] = (byte) (ints[i] >> 16);
            b[4 * i + 3] = (byte) (ints[i] >> 24);
        }
        return b;
    }

    /**
     * Applies mutation ops to a copy of {@code valid}: each op (3 ints) is a kind, a position and
     * a value: set a byte, set 8 bytes to a "nasty" number, or truncate.
     */
    private static byte[] mutate(byte[] valid, byte[] ops) {
        byte[] b = valid.clone();
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(ops).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long[] nasty = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32, 1L << 62, 0xFFFF_FFFFL, 12, 31, 33};
        while (in.remaining() >= 12) {
            int kind = Math.floorMod(in.getInt(), 4);
            int pos = Math.floorMod(in.getInt(), Math.max(1, b.length));
            int value = in.getInt();
            switch (kind) {
                case 0, 1 -> {
                    if (pos < b.length) {
                        b[pos] = (byte) value;
                    }
                }
                case 2 -> {
                    long v = nasty[Math.floorMod(value, nasty.length)];
                    for (int k = 0; k < 8 && pos + k < b.length; k++) {
                        b[pos + k] = (byte) (v >>> (8 * k));
                    }
                }
                default -> b = Arrays.copyOf(b, pos);
            }
        }
        return b;
    }

    @Property(tries = 300)
    void ggufRandomBytes(@ForAll @Size(max = 300) byte[] bytes, @ForAll boolean withMagic) {
        if (withMagic && bytes.length >= 8) {
            System.arraycopy(new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0}, 0, bytes, 0, 8);
        }
        survives(bytes, "gguf");
    }

    @Property(tries = 300)
    void ggufMutated(@ForAll("mutations") byte[] ops) {
        survives(mutate(validGguf, ops), "gguf");
    }

    @Property(tries = 300)
    void safetensorsRandomBytes(@ForAll @Size(max = 300) byte[] bytes,
            @ForAll @IntRange(min = 0, max = 300) int headerLen) {
        if (bytes.length >= 8) {
            java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, headerLen);
        }
        survives(bytes, "safetensors");
    }

    @Property(tries = 300)
    void safetensorsMutated(@ForAll("mutations") byte[] ops) {
        survives(mutate(validSafetensors, ops), "safetensors");
    }

    @Property(tries = 300)
    void safetensorsHeaderTextMutated(@ForAll @IntRange(min = 8, max = 200) int pos,
            @ForAll("jsonChars") char c) {
        byte[] b = validSafetensors.clone();
        if (pos < b.length) {
            b[pos] = (byte) c;
        }
        survives(b, "safetensors");
    }

    @Provide
    Arbitrary<Character> jsonChars() {
        return Arbitraries.of('{', '}', '[', ']', '"', ',', ':', '-', '0', '9', 'e', '.', ' ', '\\', 'x');
    }

    @Property(tries = 50)
    void validFilesStillParse(@ForAll @IntRange(min = 0, max = 3) int which) {
        survives(which % 2 == 0 ? validGguf : validSafetensors, which % 2 == 0 ? "gguf" : "safetensors");
        try (GgufFile f = GgufFile.open(TestFiles.write(dir.resolve("v.gguf"), validGguf));
                SafetensorsFile s = SafetensorsFile.open(TestFiles.write(dir.resolve("v.st"), validSafetensors))) {
            assertThat(f.tensors()).hasSize(DType.values().length + 2);
            assertThat(s.tensors()).hasSize(3);
        }
    }
}
