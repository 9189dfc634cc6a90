package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsBadInputTest {
    @TempDir
    Path dir;

    private AbstractThrowableAssert<?, ?> opening(byte[] bytes) {
        Path p = TestFiles.write(dir.resolve("bad.safetensors"), bytes);
        return assertThatThrownBy(() -> SafetensorsFile.open(p).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(p + ": ");
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":["
                + begin + "," + end + "]}";
    }

    @Test
    void tooShortForHeaderLength() {
        opening(new byte[5]).hasMessageContaining("expected at least 8");
    }

    @Test
    void headerLengthPastEndOfFile() {
        byte[] b = TestFiles.safetensors("{}", new byte[0]);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        opening(b).hasMessageContaining("header length 1000 is past the end");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1);
        opening(b).hasMessageContaining("header length 18446744073709551615");
    }

    @Test
    void truncatedAtSeveralPoints() {
        Path p = dir.resolve("good.safetensors");
        SafetensorsWriter.write(p, Map.of("format", "pt"), List.of(
                SafetensorsWriter.f32("w", new long[] {4, 4}, new float[16])));
        byte[] good = TestFiles.read(p);
        for (int cut : new int[] {0, 3, 7, 8, 20, good.length - 70, good.length - 1}) {
            opening(Arrays.copyOf(good, cut));
        }
    }

    @Test
    void notJson() {
        opening(TestFiles.safetensors("{\"a\":", new byte[0])).hasMessageContaining("not valid JSON");
        opening(TestFiles.safetensors("[1,2]   ", new byte[0])).hasMessageContaining("must be a JSON object");
        opening(TestFiles.safetensors("{} {}", new byte[0])).hasMessageContaining("not valid JSON");
    }

    @Test
    void missingFields() {
        opening(TestFiles.safetensors("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]))
                .hasMessageContaining("tensor w: missing or non-string \"dtype\"");
        opening(TestFiles.safetensors("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]))
                .hasMessageContaining("\"shape\"");
        opening(TestFiles.safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]))
                .hasMessageContaining("\"data_offsets\"");
        opening(TestFiles.safetensors("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", new byte[4]))
                .hasMessageContaining("must have 2 entries");
    }

    @Test
    void unknownDtype() {
        opening(TestFiles.safetensors("{" + entry("w", "Q9_9", "[1]", 0, 4) + "}", new byte[4]))
                .hasMessageContaining("tensor w: unsupported safetensors dtype Q9_9");
    }

    @Test
    void negativeOrFractionalDims() {
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[-1]", 0, 4) + "}", new byte[4]))
                .hasMessageContaining("not a non-negative");
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[1.5]", 0, 4) + "}", new byte[4]))
                .hasMessageContaining("not a non-negative");
    }

    @Test
    void offsetsOutsideData() {
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[2]", 0, 8) + "}", new byte[4]))
                .hasMessageContaining("data_offsets [0, 8] must satisfy 0 <= begin <= end <= 4");
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[0]", 4, 2) + "}", new byte[4]))
                .hasMessageContaining("begin <= end");
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[1]", -4, 0) + "}", new byte[4]))
                .hasMessageContaining("not a non-negative");
    }

    @Test
    void shapeLengthMismatch() {
        opening(TestFiles.safetensors("{" + entry("w", "F16", "[3]", 0, 8) + "}", new byte[8]))
                .hasMessageContaining("hold 8 bytes, but F16 shape [3] needs 6");
    }

    @Test
    void shapeProductOverflow() {
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[4294967296,4294967296]", 0, 8) + "}", new byte[8]))
                .hasMessageContaining("overflows");
        opening(TestFiles.safetensors("{" + entry("w", "F32", "[4611686018427387904]", 0, 8) + "}", new byte[8]))
                .hasMessageContaining("overflows");
    }

    @Test
    void overlappingTensors() {
        opening(TestFiles.safetensors("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12)
                + "}", new byte[12])).hasMessageContaining("tensors a and b overlap");
        // listed out of order: the check sorts by offset
        opening(TestFiles.safetensors("{" + entry("b", "F32", "[1]", 8, 12) + "," + entry("a", "F32", "[3]", 0, 12)
                + "}", new byte[12])).hasMessageContaining("overlap");
    }

    @Test
    void badMetadata() {
        opening(TestFiles.safetensors("{\"__metadata__\":{\"n\":1}}", new byte[0]))
                .hasMessageContaining("__metadata__ value for n must be a string");
        opening(TestFiles.safetensors("{\"__metadata__\":[]}", new byte[0])).hasMessageContaining("__metadata__");
    }

    @Test
    void duplicateKeysAndBadUtf8() {
        opening(TestFiles.safetensors("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8)
                + "}", new byte[8])).hasMessageContaining("Duplicate");
        byte[] b = TestFiles.safetensors("{\"\u00e9\":1}", new byte[0]);
        b[10] = (byte) 0xFF;
        opening(b).hasMessageContaining("not valid UTF-8");
    }
}
