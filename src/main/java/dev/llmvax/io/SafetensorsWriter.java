package dev.llmvax.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes safetensors files: header keys in the given order ({@code __metadata__} first, omitted
 * when the metadata map is empty), the header padded with spaces to a multiple of 8 bytes as the
 * Rust safetensors crate does, then the tensor data contiguously in the same order.
 */
public final class SafetensorsWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Largest slice handed to one ByteBuffer write (ByteBuffers are int-indexed). */
    private static final long WRITE_SLICE = 1L << 30;

    private SafetensorsWriter() {
    }

    /**
     * One tensor to write.
     *
     * @param name  tensor name
     * @param dtype element type
     * @param shape torch-order shape (empty for a scalar)
     * @param data  exactly {@code dtype.byteSize(product(shape))} bytes, little-endian
     */
    public record TensorEntry(String name, DType dtype, long[] shape, MemorySegment data) {
        public TensorEntry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(data, "data");
            shape = shape.clone();
            long elements = 1;
            for (long d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
                }
                elements = Math.multiplyExact(elements, d);
            }
            long bytes = dtype.byteSize(elements);
            if (data.byteSize() != bytes) {
                throw new IllegalArgumentException(name + ": " + dtype + " " + Arrays.toString(shape)
                        + " needs " + bytes + " bytes, data has " + data.byteSize());
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of values. */
        public long elements() {
            return TensorInfo.elementsOf(shape);
        }
    }

    /** An F32 entry holding a copy of {@code values}. */
    public static TensorEntry f32(String name, long[] shape, float[] values) {
        return new TensorEntry(name, DType.F32, shape, Dequant.quantize(DType.F32, values));
    }

    /** An F16 entry from float32 values (round to nearest even). */
    public static TensorEntry f16(String name, long[] shape, float[] values) {
        return new TensorEntry(name, DType.F16, shape, Dequant.quantize(DType.F16, values));
    }

    /** A BF16 entry from float32 values (round to nearest even). */
    public static TensorEntry bf16(String name, long[] shape, float[] values) {
        return new TensorEntry(name, DType.BF16, shape, Dequant.quantize(DType.BF16, values));
    }

    /** Writes (or replaces) {@code file}. Quantized dtypes are refused: safetensors has none. */
    public static void write(Path file, Map<String, String> metadata, List<TensorEntry> tensors) {
        byte[] header = header(metadata, tensors);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            len.putLong(0, header.length);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (TensorEntry t : tensors) {
                writeSegment(ch, t.data());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    static byte[] header(Map<String, String> metadata, List<TensorEntry> tensors) {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (TensorEntry t : tensors) {
            if (t.name().equals("__metadata__") || !names.add(t.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name " + t.name());
            }
            ObjectNode n = root.putObject(t.name());
            n.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = n.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + t.data().byteSize();
            n.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) & ~7;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /** Writes a segment of any size (heap or native) without copying it into one array. */
    static void writeSegment(FileChannel ch, MemorySegment data) throws IOException {
        if (data.heapBase().filter(a -> !(a instanceof byte[])).isPresent()) {
            // Segments over float[] etc. cannot be viewed as ByteBuffers: copy through a buffer.
            byte[] buf = new byte[1 << 20];
            for (long pos = 0; pos < data.byteSize(); pos += buf.length) {
                int n = (int) Math.min(buf.length, data.byteSize() - pos);
                MemorySegment.copy(data, Le.BYTE, pos, buf, 0, n);
                writeFully(ch, ByteBuffer.wrap(buf, 0, n));
            }
            return;
        }
        for (long pos = 0; pos < data.byteSize(); pos += WRITE_SLICE) {
            long n = Math.min(WRITE_SLICE, data.byteSize() - pos);
            writeFully(ch, data.asSlice(pos, n).asByteBuffer());
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
