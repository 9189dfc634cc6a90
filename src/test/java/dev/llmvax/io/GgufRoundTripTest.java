package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.io.SafetensorsWriter.TensorEntry;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufRoundTripTest {
    @TempDir
    Path dir;

    /** A small GGUF with every metadata type and every tensor type. */
    static Path tiny(Path dir) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("general.architecture", "llama");
        meta.put("llama.block_count", 2);
        meta.put("big", 1L << 40);
        meta.put("eps", 1e-5f);
        meta.put("theta", 10000.5);
        meta.put("flag", true);
        meta.put("tokens", List.of("a", "b", "ünï"));
        meta.put("types", List.of(1, 3, 1));
        meta.put("nested", List.of(List.of(1L, 2L), List.of()));
        meta.put("u8", new GgufWriter.Typed(GgufValueType.UINT8, 255));
        meta.put("i8", (byte) -5);
        meta.put("i16", (short) -300);
        meta.put("u16", new GgufWriter.Typed(GgufValueType.UINT16, 65535));
        meta.put("i32s", new GgufWriter.Typed(GgufValueType.INT32, List.of(-1, 2)));
        meta.put("u64", new GgufWriter.Typed(GgufValueType.UINT64, -1L));
        Random r = new Random(5);
        List<TensorEntry> tensors = new ArrayList<>();
        for (DType t : DType.values()) {
            float[] v = TestFiles.randomFloats(r, 2 * 64, 1);
            tensors.add(new TensorEntry("t." + t, t, new long[] {2, 64}, Dequant.quantize(t, v)));
        }
        tensors.add(SafetensorsWriter.f32("norm", new long[] {3}, new float[] {1, 2, 3}));
        tensors.add(SafetensorsWriter.f32("cube", new long[] {2, 3, 4, 1}, new float[24]));
        Path p = dir.resolve("tiny.gguf");
        GgufWriter.write(p, meta, tensors);
        return p;
    }

    @Test
    void metadataRoundTrip() {
        Path p = tiny(dir);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.path()).isEqualTo(p);
            assertThat(f.metadata().keySet()).startsWith("general.architecture", "llama.block_count", "big");
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getLong("llama.block_count")).isEqualTo(2);
            assertThat(f.typed("llama.block_count").type()).isEqualTo(GgufValueType.UINT32);
            assertThat(f.getLong("big")).isEqualTo(1L << 40);
            assertThat(f.getDouble("eps")).isEqualTo(9.999999747378752E-6);
            assertThat(f.getDouble("theta")).isEqualTo(10000.5);
            assertThat(f.get("flag")).contains(true);
            assertThat(f.get("tokens")).contains(List.of("a", "b", "ünï"));
            assertThat(f.get("types")).contains(List.of(1L, 3L, 1L));
            assertThat(f.get("nested")).contains(List.of(List.of(1L, 2L), List.of()));
            assertThat(f.getLong("u8")).isEqualTo(255);
            assertThat(f.getLong("i8")).isEqualTo(-5);
            assertThat(f.getLong("i16")).isEqualTo(-300);
            assertThat(f.getLong("u16")).isEqualTo(65535);
            assertThat(f.get("i32s")).contains(List.of(-1L, 2L));
            assertThat(f.typed("i32s")).isEqualTo(new GgufWriter.Typed(GgufValueType.INT32, List.of(-1L, 2L)));
            assertThat(f.getLong("u64")).isEqualTo(-1L);
            assertThat(f.get("missing")).isEmpty();
            assertThatThrownBy(() -> ((List<Object>) f.get("tokens").orElseThrow()).add("x"))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @Test
    void typedGettersExplainMistakes() {
        Path p = tiny(dir);
        try (GgufFile f = GgufFile.open(p)) {
            assertThatThrownBy(() -> f.getString("nope")).isInstanceOf(ModelFormatException.class)
                    .hasMessage(p + ": missing metadata key nope");
            assertThatThrownBy(() -> f.getString("llama.block_count")).isInstanceOf(ModelFormatException.class)
                    .hasMessage(p + ": key llama.block_count is uint32, expected string");
            assertThatThrownBy(() -> f.getLong("eps")).hasMessageContaining("key eps is float32, expected an integer");
            assertThatThrownBy(() -> f.getDouble("tokens")).hasMessageContaining("is an array of string");
        }
    }

    @Test
    void tensorsRoundTrip() {
        Path p = tiny(dir);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.tensors()).hasSize(DType.values().length + 2);
            assertThat(f.dataOffset() % 32).isZero();
            for (DType t : DType.values()) {
                TensorInfo info = f.tensors().get("t." + t);
                assertThat(info.dtype()).isEqualTo(t);
                assertThat(info.shape()).containsExactly(2, 64);
                assertThat(info.offset() % 32).isZero();
                assertThat(info.byteLength()).isEqualTo(t.byteSize(128));
                float[] back = f.toFloats("t." + t);
                assertThat(back).hasSize(128);
                assertThat(Dequant.quantize(t, back).toArray(ValueLayout.JAVA_BYTE))
                        .as("re-quantizing dequantized %s data is stable", t)
                        .containsExactly(f.data("t." + t).toArray(ValueLayout.JAVA_BYTE));
            }
            assertThat(f.toFloats("norm")).containsExactly(1, 2, 3);
            assertThat(f.tensors().get("cube").shape()).containsExactly(2, 3, 4, 1);
            assertThatThrownBy(() -> f.toFloats("nope")).isInstanceOf(ModelFormatException.class);
        }
    }

    @Test
    void writerRefusesBadInput() {
        Path p = dir.resolve("x.gguf");
        assertThatThrownBy(() -> GgufWriter.write(p, Map.of("n", -1), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("n");
        assertThatThrownBy(() -> GgufWriter.write(p, Map.of("m", List.of(1, "a")), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mixed");
        assertThatThrownBy(() -> GgufWriter.write(p, Map.of("o", new Object()), List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgufWriter.write(p, Map.of(), List.of(new TensorEntry("q", DType.Q8_0,
                new long[] {32, 1}, Dequant.quantize(DType.Q8_0, new float[32])))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 32");
    }
}
