package dev.llmvax.io;

import dev.llmvax.io.SafetensorsWriter.TensorEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
 * Writes GGUF v3 files with 32-byte alignment.
 *
 * <p>Metadata values map to GGUF types as follows: {@link String} to string, {@link Boolean} to
 * bool, {@link Byte} to int8, {@link Short} to int16, {@link Integer} to <b>uint32</b> (llama.cpp
 * reads counts and token ids as uint32 and checks the type; negative Integers are refused),
 * {@link Long} to int64, {@link Float} to float32, {@link Double} to float64, {@link List} to an
 * array whose element type is that of its first element (all elements must agree; an empty
 * list is an array of uint8). Wrap a value in {@link Typed} to choose its type explicitly.
 * {@code general.alignment} is written by the caller only if wanted, and must then be 32.
 *
 * <p>Tensors use {@link TensorEntry} with any {@link DType}; quantized data is raw block bytes,
 * and the last (fastest) dimension must be a whole number of blocks.
 */
public final class GgufWriter {
    /** Data alignment of written files. */
    public static final int ALIGNMENT = 32;

    private GgufWriter() {
    }

    /**
     * A metadata value with an explicit GGUF type. For a {@link List} value, {@code type} is the
     * element type. Numbers are range-checked against the type when written.
     */
    public record Typed(GgufValueType type, Object value) {
        public Typed {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(value, "value");
        }
    }

    /** Writes (or replaces) {@code file}. */
    public static void write(Path file, Map<String, ?> metadata, List<TensorEntry> tensors) {
        Object alignment = metadata.get("general.alignment");
        if (alignment != null && !(alignment instanceof Number n && n.longValue() == ALIGNMENT)
                && !(alignment instanceof Typed t && t.value() instanceof Number n2 && n2.longValue() == ALIGNMENT)) {
            throw new IllegalArgumentException("general.alignment must be " + ALIGNMENT + ", got " + alignment);
        }
        Buf h = new Buf();
        h.u32(0x46554747); // "GGUF"
        h.u32(3);
        h.u64(tensors.size());
        h.u64(metadata.size());
        metadata.forEach((k, v) -> {
            h.string(k);
            writeValue(h, k, v);
        });
        Set<String> names = new HashSet<>();
        long rel = 0;
        for (TensorEntry t : tensors) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name " + t.name());
            }
            long[] shape = t.shape();
            if (shape.length > 4) {
                throw new IllegalArgumentException(t.name() + ": GGUF allows at most 4 dimensions");
            }
            if (t.dtype().isQuantized() && (shape.length == 0 || shape[shape.length - 1] % DType.QBLOCK != 0)) {
                throw new IllegalArgumentException(t.name() + ": the last dimension of a " + t.dtype()
                        + " tensor must be a multiple of " + DType.QBLOCK + ", shape " + Arrays.toString(shape));
            }
            h.string(t.name());
            h.u32(shape.length);
            for (int d = shape.length - 1; d >= 0; d--) {
                h.u64(shape[d]); // ne[0] is the fastest (last torch) dimension
            }
            h.u32(t.dtype().ggmlType());
            h.u64(rel);
            rel = pad(rel + t.data().byteSize());
        }
        h.zeros(pad(h.size) - h.size);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            SafetensorsWriter.writeFully(ch, ByteBuffer.wrap(h.bytes, 0, h.size));
            for (TensorEntry t : tensors) {
                SafetensorsWriter.writeSegment(ch, t.data());
                long gap = pad(t.data().byteSize()) - t.data().byteSize();
                SafetensorsWriter.writeFully(ch, ByteBuffer.allocate((int) gap));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static long pad(long n) {
        return (n + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static void writeValue(Buf h, String key, Object v) {
        GgufValueType type = typeOf(key, v);
        h.u32(type.id());
        if (type == GgufValueType.ARRAY) {
            writeArray(h, key, v);
        } else {
            writeScalar(h, key, type, v instanceof Typed t ? t.value() : v);
        }
    }

    private static GgufValueType typeOf(String key, Object v) {
        return switch (v) {
            case Typed t -> t.value() instanceof List<?> ? GgufValueType.ARRAY : t.type();
            case String s -> GgufValueType.STRING;
            case Boolean b -> GgufValueType.BOOL;
            case Byte b -> GgufValueType.INT8;
            case Short s -> GgufValueType.INT16;
            case Integer i -> GgufValueType.UINT32;
            case Long l -> GgufValueType.INT64;
            case Float f -> GgufValueType.FLOAT32;
            case Double d -> GgufValueType.FLOAT64;
            case List<?> l -> GgufValueType.ARRAY;
            case null -> throw new IllegalArgumentException("metadata " + key + " is null");
            default -> throw new IllegalArgumentException("metadata " + key + " has unsupported Java type "
                    + v.getClass().getName());
        };
    }

    private static void writeArray(Buf h, String key, Object v) {
        List<?> list;
        GgufValueType elem;
        if (v instanceof Typed t) {
            list = (List<?>) t.value();
            elem = t.type();
        } else {
            list = (List<?>) v;
            elem = list.isEmpty() ? GgufValueType.UINT8 : typeOf(key, list.getFirst());
        }
        h.u32(elem.id());
        h.u64(list.size());
        for (Object e : list) {
            if (elem == GgufValueType.ARRAY) {
                if (!(e instanceof List<?>) && !(e instanceof Typed t && t.value() instanceof List<?>)) {
                    throw new IllegalArgumentException("metadata " + key + ": array of arrays holds " + e);
                }
                writeArray(h, key, e);
            } else {
                if (!(v instanceof Typed) && typeOf(key, e) != elem) {
                    throw new IllegalArgumentException("metadata " + key + ": mixed element types in array");
                }
                writeScalar(h, key, elem, e instanceof Typed t ? t.value() : e);
            }
        }
    }

    private static void writeScalar(Buf h, String key, GgufValueType type, Object v) {
        try {
            switch (type) {
                case STRING -> h.string((String) v);
                case BOOL -> h.u8((Boolean) v ? 1 : 0);
                case FLOAT32 -> h.u32(Float.floatToRawIntBits(((Number) v).floatValue()));
                case FLOAT64 -> h.u64(Double.doubleToRawLongBits(((Number) v).doubleValue()));
                case UINT8 -> h.u8((int) ranged(v, 0, 0xFF));
                case INT8 -> h.u8((int) ranged(v, Byte.MIN_VALUE, Byte.MAX_VALUE));
                case UINT16 -> h.u16((int) ranged(v, 0, 0xFFFF));
                case INT16 -> h.u16((int) ranged(v, Short.MIN_VALUE, Short.MAX_VALUE));
                case UINT32 -> h.u32((int) ranged(v, 0, 0xFFFF_FFFFL));
                case INT32 -> h.u32((int) ranged(v, Integer.MIN_VALUE, Integer.MAX_VALUE));
                case UINT64, INT64 -> h.u64(integral(v)); // uint64 keeps the bits of a Long
                case ARRAY -> throw new IllegalArgumentException("nested array needs a List value");
            }
        } catch (ClassCastException e) {
            throw new IllegalArgumentException("metadata " + key + ": " + v + " cannot be written as " + type, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metadata " + key + ": " + e.getMessage(), e);
        }
    }

    private static long integral(Object v) {
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        throw new ClassCastException(v.getClass().getName() + " is not an integer type");
    }

    private static long ranged(Object v, long min, long max) {
        long x = integral(v);
        if (x < min || x > max) {
            throw new IllegalArgumentException(x + " is outside [" + min + ", " + max + "]");
        }
        return x;
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Buf {
        byte[] bytes = new byte[4096];
        int size;

        private ByteBuffer room(int n) {
            if (size + n > bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
            }
            ByteBuffer b = ByteBuffer.wrap(bytes, size, n).order(ByteOrder.LITTLE_ENDIAN);
            size += n;
            return b;
        }

        void u8(int v) {
            room(1).put((byte) v);
        }

        void u16(int v) {
            room(2).putShort((short) v);
        }

        void u32(int v) {
            room(4).putInt(v);
        }

        void u64(long v) {
            room(8).putLong(v);
        }

        void zeros(long n) {
            room((int) n);
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            room(b.length).put(b);
        }
    }
}
