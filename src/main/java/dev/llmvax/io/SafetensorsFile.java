package dev.llmvax.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A memory-mapped safetensors file: 8-byte little-endian header length, a UTF-8 JSON header
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the data.
 * Everything in the header is validated on {@link #open}; tensor data is read lazily from the map.
 */
public final class SafetensorsFile extends MappedTensorFile {
    /** Larger headers are refused (the Rust safetensors crate uses the same limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, MappedFile mapped, Map<String, String> metadata,
            Map<String, TensorInfo> tensors) {
        super(path, mapped, tensors);
        this.metadata = metadata;
    }

    /** Maps and validates {@code file}; throws {@link ModelFormatException} if it is malformed. */
    public static SafetensorsFile open(Path file) {
        MappedFile mapped = MappedFile.map(file);
        try {
            Header h = parseHeader(file, mapped.segment());
            return new SafetensorsFile(file, mapped, h.metadata, h.tensors);
        } catch (RuntimeException | Error e) {
            mapped.arena().close();
            throw e;
        }
    }

    private record Header(Map<String, String> metadata, Map<String, TensorInfo> tensors) {
    }

    private static Header parseHeader(Path file, MemorySegment seg) {
        long size = seg.byteSize();
        if (size < 8) {
            throw new ModelFormatException(file, "not a safetensors file: " + size
                    + " bytes, expected at least 8 (header length); the file may be truncated");
        }
        long headerLen = seg.get(Le.LONG, 0);
        if (headerLen < 0 || headerLen > size - 8) {
            throw new ModelFormatException(file, "header length " + Long.toUnsignedString(headerLen)
                    + " is past the end of the file (" + (size - 8)
                    + " bytes after the length field); the file is truncated or not safetensors");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file, "header length " + headerLen + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        byte[] headerBytes = seg.asSlice(8, headerLen).toArray(Le.BYTE);
        JsonNode root;
        try {
            // Decode strictly first: Jackson would guess UTF-16/32 from zero bytes.
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes)).toString();
            root = JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file, "header is not valid UTF-8", e);
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file, "header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        long dataStart = 8 + headerLen;
        long dataSize = size - dataStart;
        Map<String, String> metadata = Map.of();
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals("__metadata__")) {
                metadata = parseMetadata(file, e.getValue());
            } else {
                tensors.put(e.getKey(), parseTensor(file, e.getKey(), e.getValue(), dataStart, dataSize));
            }
        }
        checkOverlaps(file, tensors.values(), dataStart);
        return new Header(metadata, Collections.unmodifiableMap(tensors));
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node) {
        if (!node.isObject()) {
            throw new ModelFormatException(file, "__metadata__ must be an object of strings, found "
                    + node.getNodeType());
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(file, "__metadata__ value for " + e.getKey()
                        + " must be a string, found " + e.getValue().getNodeType());
            }
            m.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(m);
    }

    private static TensorInfo parseTensor(Path file, String name, JsonNode node, long dataStart,
            long dataSize) {
        String where = "tensor " + name + ": ";
        if (!node.isObject()) {
            throw new ModelFormatException(file, where + "entry must be an object, found " + node.getNodeType());
        }
        JsonNode dtypeNode = node.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFormatException(file, where + "missing or non-string \"dtype\"");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensors(dtypeNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, where + e.getMessage(), e);
        }
        long[] shape = longArray(file, where, node.get("shape"), "shape", -1);
        long[] offsets = longArray(file, where, node.get("data_offsets"), "data_offsets", 2);
        long elements = 1;
        long bytes;
        try {
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            bytes = dtype.byteSize(elements);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(file, where + "shape " + Arrays.toString(shape) + " overflows", e);
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new ModelFormatException(file, where + "data_offsets [" + begin + ", " + end
                    + "] must satisfy 0 <= begin <= end <= " + dataSize + " (the data size)");
        }
        if (end - begin != bytes) {
            throw new ModelFormatException(file, where + "data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin) + " bytes, but " + dtype + " shape " + Arrays.toString(shape)
                    + " needs " + bytes);
        }
        return new TensorInfo(name, dtype, shape, dataStart + begin, bytes);
    }

    /** Reads a JSON array of non-negative integers; {@code length} -1 means any length. */
    private static long[] longArray(Path file, String where, JsonNode node, String field, int length) {
        if (node == null || !node.isArray()) {
            throw new ModelFormatException(file, where + "missing or non-array \"" + field + "\"");
        }
        if (length >= 0 && node.size() != length) {
            throw new ModelFormatException(file, where + "\"" + field + "\" must have " + length
                    + " entries, found " + node.size());
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new ModelFormatException(file, where + "\"" + field + "\" entry " + v
                        + " is not a non-negative 64-bit integer");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    private static void checkOverlaps(Path file, Iterable<TensorInfo> infos, long dataStart) {
        TensorInfo.firstOverlap(infos).ifPresent(pair -> {
            TensorInfo prev = pair[0];
            TensorInfo cur = pair[1];
            throw new ModelFormatException(file, "tensors " + prev.name() + " and " + cur.name()
                    + " overlap (data_offsets [" + (prev.offset() - dataStart) + ", "
                    + (prev.offset() - dataStart + prev.byteLength()) + "] and ["
                    + (cur.offset() - dataStart) + ", " + (cur.offset() - dataStart + cur.byteLength()) + "])");
        });
    }


    /** The {@code __metadata__} string map (empty if absent). */
    public Map<String, String> metadata() {
        return metadata;
    }





}
