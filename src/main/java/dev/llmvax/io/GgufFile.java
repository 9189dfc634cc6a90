package dev.llmvax.io;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A memory-mapped GGUF file (versions 2 and 3, little-endian). The header, metadata and tensor
 * infos are parsed and validated on {@link #open}; tensor data is read lazily from the map.
 *
 * <p>Metadata values: every integer type is a {@link Long} (uint64 keeps its bits, so values
 * above 2^63 read negative), float32/float64 a {@link Double}, bool a {@link Boolean}, string a
 * {@link String}, array an unmodifiable {@code List<Object>} of the same.
 */
public final class GgufFile extends MappedTensorFile {
    /** "GGUF" read as a little-endian uint32. */
    private static final int MAGIC = 0x46554747;
    private static final int DEFAULT_ALIGNMENT = 32;
    private static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_DEPTH = 8;
    /** Smallest tensor info: name length, n_dims, type, offset. */
    private static final int MIN_TENSOR_INFO = 8 + 4 + 4 + 8;
    /** Smallest key/value: key length, value type, a one-byte value. */
    private static final int MIN_KV = 8 + 4 + 1;

    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, GgufValueType[]> types;
    private final long dataOffset;

    private GgufFile(Path path, MappedFile mapped, int version, Map<String, Object> metadata,
            Map<String, GgufValueType[]> types, Map<String, TensorInfo> tensors, long dataOffset) {
        super(path, mapped, tensors);
        this.version = version;
        this.metadata = metadata;
        this.types = types;
        this.dataOffset = dataOffset;
    }

    /** Maps and validates {@code file}; throws {@link ModelFormatException} if it is malformed. */
    public static GgufFile open(Path file) {
        MappedFile mapped = MappedFile.map(file);
        try {
            return parse(file, mapped);
        } catch (RuntimeException | Error e) {
            mapped.arena().close();
            throw e;
        }
    }

    private static GgufFile parse(Path file, MappedFile mapped) {
        MemorySegment seg = mapped.segment();
        long size = seg.byteSize();
        if (size < 4 || seg.get(Le.INT, 0) != MAGIC) {
            throw new ModelFormatException(file, "not a GGUF file: expected magic GGUF, found "
                    + describeMagic(seg));
        }
        GgufCursor in = new GgufCursor(file, seg);
        in.u32("magic");
        int version = in.u32("version");
        if (version == 1) {
            throw in.fail("GGUF version 1 is not supported (supported: 2, 3); re-convert the model "
                    + "with a current llama.cpp");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3
                    ? "; this looks like a big-endian GGUF, which is not supported" : "";
            throw in.fail("unsupported GGUF version " + Integer.toUnsignedString(version)
                    + " (supported: 2, 3)" + hint);
        }
        long tensorCount = in.count("tensor count", MIN_TENSOR_INFO);
        long kvCount = in.count("metadata key/value count", MIN_KV);

        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, GgufValueType[]> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            GgufValueType type = valueType(in, "metadata " + key);
            GgufValueType elem = null;
            Object value;
            if (type == GgufValueType.ARRAY) {
                elem = valueType(in, "element type of metadata " + key);
                value = readArray(in, elem, key, 1);
            } else {
                value = readScalar(in, type, key);
            }
            if (metadata.putIfAbsent(key, value) != null) {
                throw in.fail("duplicate metadata key " + key);
            }
            types.put(key, new GgufValueType[] {type, elem});
        }
        int alignment = alignment(in, metadata, types);

        Map<String, long[]> rawInfo = new LinkedHashMap<>();
        Map<String, DType> dtypes = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("tensor name #" + i);
            int nDims = in.u32("n_dims of tensor " + name);
            if (nDims < 0 || nDims > MAX_DIMS) {
                throw in.fail("tensor " + name + " has " + Integer.toUnsignedString(nDims)
                        + " dimensions, at most " + MAX_DIMS + " are allowed");
            }
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.u64("ne[" + d + "] of tensor " + name);
                if (ne[d] < 0) {
                    throw in.fail("tensor " + name + " has negative dimension ne[" + d + "] = " + ne[d]);
                }
            }
            int ggmlType = in.u32("type of tensor " + name);
            DType dtype = DType.fromGgml(ggmlType, name, file);
            long rel = in.u64("offset of tensor " + name);
            if (rawInfo.containsKey(name)) {
                throw in.fail("duplicate tensor name " + name);
            }
            long[] info = Arrays.copyOf(ne, nDims + 1);
            info[nDims] = rel;
            rawInfo.put(name, info);
            dtypes.put(name, dtype);
        }
        long dataOffset = alignUp(in.pos(), alignment);
        if (!rawInfo.isEmpty() && dataOffset > size) {
            throw in.fail("tensor data would start at byte " + dataOffset + ", past the end of the file ("
                    + size + " bytes); the file is truncated");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : rawInfo.entrySet()) {
            TensorInfo t = tensorInfo(in, e.getKey(), dtypes.get(e.getKey()), e.getValue(), alignment,
                    dataOffset, size);
            tensors.put(t.name(), t);
        }
        checkOverlaps(in, tensors.values());
        return new GgufFile(file, mapped, version, Collections.unmodifiableMap(metadata),
                types, Collections.unmodifiableMap(tensors), dataOffset);
    }

    private static String describeMagic(MemorySegment seg) {
        int n = (int) Math.min(4, seg.byteSize());
        if (n < 4) {
            return "only " + seg.byteSize() + " bytes";
        }
        byte[] b = seg.asSlice(0, n).toArray(Le.BYTE);
        StringBuilder text = new StringBuilder("\"");
        StringBuilder hex = new StringBuilder();
        for (byte x : b) {
            text.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
            hex.append(String.format(" %02x", x & 0xff));
        }
        return text + "\" (bytes" + hex + ")";
    }

    private static GgufValueType valueType(GgufCursor in, String what) {
        int id = in.u32("value type of " + what);
        GgufValueType t = GgufValueType.fromId(id);
        if (t == null) {
            throw in.fail("unknown value type " + Integer.toUnsignedString(id) + " for " + what
                    + " at offset " + (in.pos() - 4) + " (known: 0..12)");
        }
        return t;
    }

    private static Object readScalar(GgufCursor in, GgufValueType type, String key) {
        String what = "value of " + key;
        return switch (type) {
            case UINT8 -> (long) (in.u8(what) & 0xFF);
            case INT8 -> (long) in.u8(what);
            case UINT16 -> (long) (in.u16(what) & 0xFFFF);
            case INT16 -> (long) in.u16(what);
            case UINT32 -> Integer.toUnsignedLong(in.u32(what));
            case INT32 -> (long) in.u32(what);
            case UINT64, INT64 -> in.u64(what);
            case FLOAT32 -> (double) Float.intBitsToFloat(in.u32(what));
            case FLOAT64 -> Double.longBitsToDouble(in.u64(what));
            case BOOL -> {
                byte b = in.u8(what);
                if (b != 0 && b != 1) {
                    throw in.fail("bool " + what + " is " + (b & 0xFF) + ", expected 0 or 1");
                }
                yield b == 1;
            }
            case STRING -> in.string(what);
            case ARRAY -> throw new AssertionError("arrays are read by readArray");
        };
    }

    private static List<Object> readArray(GgufCursor in, GgufValueType elem, String key, int depth) {
        if (depth > MAX_ARRAY_DEPTH) {
            throw in.fail("metadata " + key + " nests arrays deeper than " + MAX_ARRAY_DEPTH);
        }
        long n = in.count("element count of metadata array " + key, elem.minBytes());
        if (n > Integer.MAX_VALUE - 8) {
            throw in.fail("metadata array " + key + " has " + n + " elements, more than this reader supports");
        }
        Object[] values = new Object[(int) n];
        for (int i = 0; i < values.length; i++) {
            if (elem == GgufValueType.ARRAY) {
                GgufValueType inner = valueType(in, "element type of nested array in " + key);
                values[i] = readArray(in, inner, key, depth + 1);
            } else {
                values[i] = readScalar(in, elem, key);
            }
        }
        return Collections.unmodifiableList(Arrays.asList(values));
    }

    private static int alignment(GgufCursor in, Map<String, Object> metadata, Map<String, GgufValueType[]> types) {
        Object a = metadata.get("general.alignment");
        if (a == null) {
            return DEFAULT_ALIGNMENT;
        }
        if (!(a instanceof Long v) || v <= 0 || v > (1 << 30) || Long.bitCount(v) != 1) {
            throw in.fail("general.alignment must be a positive power of two, found "
                    + types.get("general.alignment")[0] + " " + a);
        }
        return (int) (long) v;
    }

    private static long alignUp(long pos, long alignment) {
        return (pos + alignment - 1) / alignment * alignment;
    }

    private static TensorInfo tensorInfo(GgufCursor in, String name, DType dtype, long[] info, int alignment,
            long dataOffset, long fileSize) {
        int nDims = info.length - 1;
        long rel = info[nDims];
        long[] shape = new long[nDims];
        long elements = 1;
        long bytes;
        try {
            for (int d = 0; d < nDims; d++) {
                shape[nDims - 1 - d] = info[d];
                elements = Math.multiplyExact(elements, info[d]);
            }
            if (nDims > 0 && info[0] % dtype.blockSize() != 0) {
                throw in.fail("tensor " + name + ": ne[0] = " + info[0] + " is not a multiple of the "
                        + dtype + " block size " + dtype.blockSize());
            }
            bytes = dtype.byteSize(elements);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw in.fail("tensor " + name + ": shape " + Arrays.toString(shape) + " of type " + dtype
                    + " is invalid (" + e.getMessage() + ")");
        }
        if (rel < 0 || rel % alignment != 0) {
            throw in.fail("tensor " + name + ": data offset " + Long.toUnsignedString(rel)
                    + " is not a non-negative multiple of the alignment " + alignment);
        }
        if (rel > fileSize - dataOffset || bytes > fileSize - dataOffset - rel) {
            throw in.fail("tensor " + name + ": data [" + Long.toUnsignedString(rel) + ", +" + bytes
                    + ") relative to the data section at " + dataOffset + " extends past the end of the file ("
                    + fileSize + " bytes); the file is truncated or corrupt");
        }
        return new TensorInfo(name, dtype, shape, dataOffset + rel, bytes);
    }

    private static void checkOverlaps(GgufCursor in, Iterable<TensorInfo> infos) {
        TensorInfo.firstOverlap(infos).ifPresent(pair -> {
            TensorInfo prev = pair[0];
            TensorInfo cur = pair[1];
            throw in.fail("tensors " + prev.name() + " [" + prev.offset() + ", "
                    + (prev.offset() + prev.byteLength()) + ") and " + cur.name() + " [" + cur.offset()
                    + ", " + (cur.offset() + cur.byteLength()) + ") overlap");
        });
    }

    /** The GGUF version (2 or 3). */
    public int version() {
        return version;
    }


    /** All metadata in file order. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** A metadata value, if present. */
    public Optional<Object> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** A string value; throws if missing or of another type. */
    public String getString(String key) {
        return typed(key, String.class, "string");
    }

    /** An integer value of any width; throws if missing or of another type. */
    public long getLong(String key) {
        return typed(key, Long.class, "an integer");
    }

    /** A float32/float64 value; throws if missing or of another type. */
    public double getDouble(String key) {
        return typed(key, Double.class, "float32 or float64");
    }

    /**
     * A value with its stored GGUF type, ready for {@link GgufWriter} (so an exported file keeps
     * e.g. uint32 where llama.cpp insists on it). For arrays the type is the element type.
     */
    public GgufWriter.Typed typed(String key) {
        GgufValueType[] t = types.get(key);
        if (t == null) {
            throw new ModelFormatException(path, "missing metadata key " + key);
        }
        return new GgufWriter.Typed(t[0] == GgufValueType.ARRAY ? t[1] : t[0], metadata.get(key));
    }

    private <T> T typed(String key, Class<T> type, String expected) {
        Object v = metadata.get(key);
        if (v == null) {
            throw new ModelFormatException(path, "missing metadata key " + key);
        }
        if (!type.isInstance(v)) {
            GgufValueType[] t = types.get(key);
            String found = t[0] == GgufValueType.ARRAY ? "an array of " + t[1] : t[0].toString();
            throw new ModelFormatException(path, "key " + key + " is " + found + ", expected " + expected);
        }
        return type.cast(v);
    }


    /** Absolute file offset where the tensor data section starts. */
    public long dataOffset() {
        return dataOffset;
    }




}
