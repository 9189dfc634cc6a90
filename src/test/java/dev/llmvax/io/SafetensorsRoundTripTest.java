package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.io.SafetensorsWriter.TensorEntry;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsRoundTripTest {
    @TempDir
    Path dir;

    private static List<TensorEntry> sample() {
        Random r = new Random(3);
        return List.of(
                SafetensorsWriter.f32("a.weight", new long[] {3, 5}, TestFiles.randomFloats(r, 15, 1)),
                SafetensorsWriter.f16("b", new long[] {7}, TestFiles.randomFloats(r, 7, 1)),
                SafetensorsWriter.bf16("c.odd", new long[] {1, 3, 1}, TestFiles.randomFloats(r, 3, 1)),
                SafetensorsWriter.f32("scalar", new long[] {}, new float[] {42.5f}),
                SafetensorsWriter.f32("empty", new long[] {0, 4}, new float[0]));
    }

    @Test
    void roundTripWithoutMetadata() {
        roundTrip(Map.of());
    }

    @Test
    void roundTripWithMetadata() {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("note", "ünïcode \"quoted\"");
        roundTrip(meta);
    }

    private void roundTrip(Map<String, String> meta) {
        Path p = dir.resolve("t.safetensors");
        List<TensorEntry> entries = sample();
        SafetensorsWriter.write(p, meta, entries);
        byte[] file = TestFiles.read(p);
        long headerLen = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertThat(headerLen % 8).isZero();
        String header = new String(file, 8, (int) headerLen, StandardCharsets.UTF_8);
        if (!meta.isEmpty()) {
            assertThat(header).startsWith("{\"__metadata__\":");
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.path()).isEqualTo(p);
            assertThat(f.metadata()).containsExactlyEntriesOf(meta);
            assertThat(f.tensors().keySet()).containsExactly("a.weight", "b", "c.odd", "scalar", "empty");
            for (TensorEntry e : entries) {
                TensorInfo t = f.tensors().get(e.name());
                assertThat(t.dtype()).isEqualTo(e.dtype());
                assertThat(t.shape()).containsExactly(e.shape());
                assertThat(f.data(e.name()).toArray(ValueLayout.JAVA_BYTE))
                        .containsExactly(e.data().toArray(ValueLayout.JAVA_BYTE));
                assertThat(f.toFloats(e.name()))
                        .containsExactly(Dequant.toFloats(e.dtype(), e.data(), e.elements()));
            }
            assertThat(f.toFloats("scalar")).containsExactly(42.5f);
            assertThat(f.tensors().get("scalar").elements()).isEqualTo(1);
            assertThat(f.tensors().get("empty").byteLength()).isZero();
            assertThatThrownBy(() -> f.data("nope")).isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining(p.toString()).hasMessageContaining("nope");
        }
    }

    @Test
    void offsetsAreContiguousInGivenOrder() {
        Path p = dir.resolve("o.safetensors");
        SafetensorsWriter.write(p, Map.of(), sample());
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            long expected = f.tensors().get("a.weight").offset();
            for (TensorInfo t : f.tensors().values()) {
                assertThat(t.offset()).isEqualTo(expected);
                expected += t.byteLength();
            }
            assertThat(expected).isEqualTo(TestFiles.read(p).length);
        }
    }

    @Test
    void writesFromFloatArraySegments() {
        Path p = dir.resolve("f.safetensors");
        float[] v = {1, 2, 3};
        // a float[]-backed segment cannot become a ByteBuffer directly; the writer must cope
        SafetensorsWriter.write(p, Map.of(), List.of(
                new TensorEntry("x", DType.F32, new long[] {3}, MemorySegment.ofArray(v))));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertThat(f.toFloats("x")).containsExactly(1, 2, 3);
        }
    }

    @Test
    void writerValidatesEntries() {
        assertThatThrownBy(() -> new TensorEntry("x", DType.F32, new long[] {2}, MemorySegment.ofArray(new byte[4])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 8 bytes");
        assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("q"), Map.of(),
                List.of(new TensorEntry("q", DType.Q8_0, new long[] {32}, MemorySegment.ofArray(new byte[34])))))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
