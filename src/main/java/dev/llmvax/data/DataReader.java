package dev.llmvax.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses one data file: a JSON array of records or JSON Lines, told apart by the first non-blank
 * character ({@code [} or <code>{</code>), not by the file name. Field mapping per record:
 * {@code instruction} (required string); {@code input}, or Dolly's {@code context} (optional string;
 * missing or null is ""); {@code output}, or Dolly's {@code response} (required string). Other fields
 * (Dolly's {@code category}, ...) are ignored.
 */
final class DataReader {

    /** What every message ends with: what a data file should look like. */
    static final String EXPECTED = "a data file is a JSON array of {\"instruction\", \"input\", \"output\"} "
            + "objects, or JSON Lines with one such object per line";

    private static final String FIELDS = "every record needs string fields \"instruction\" and \"output\" "
            + "(\"input\" is optional; Dolly's \"context\" and \"response\" are read as \"input\" and \"output\")";

    // A duplicated field is a broken record, not something to guess about.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    // One JSON Lines line: text after its object is an error too.
    private static final ObjectMapper LINE = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** What a file held. */
    record Parsed(DataFile.Format format, List<Sample> samples) {}

    private DataReader() {}

    /**
     * The records of {@code bytes}, read from {@code file} (used in messages only).
     *
     * @param promptsOnly for evaluation prompts: {@code output} may be missing or null (read as "") or a
     *                    number or boolean (read as its JSON text, e.g. BackdoorLLM's SST-2 test labels 0)
     * @throws DataFormatException for anything but a non-empty set of well-formed records
     */
    static Parsed parse(Path file, byte[] bytes, boolean promptsOnly) {
        String text = utf8(file, bytes);
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1); // a byte-order mark, as some Windows editors write
        }
        int first = firstNonBlank(text);
        if (first < 0) {
            throw new DataFormatException(file, "is empty: no records; " + EXPECTED);
        }
        Parsed parsed = switch (text.charAt(first)) {
            case '[' -> new Parsed(DataFile.Format.JSON_ARRAY, array(file, text, promptsOnly));
            case '{' -> new Parsed(DataFile.Format.JSON_LINES, lines(file, text, promptsOnly));
            default -> throw new DataFormatException(file, "is not a JSON array or JSON Lines (line "
                    + lineAt(text, first) + " starts with '" + describe(text.codePointAt(first)) + "'); " + EXPECTED);
        };
        if (parsed.samples().isEmpty()) {
            throw new DataFormatException(file, "holds no records; " + EXPECTED);
        }
        return parsed;
    }

    private static String utf8(Path file, byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, "is not UTF-8 text (binary, or another encoding); save it as UTF-8 "
                    + "JSON: " + EXPECTED);
        }
    }

    private static List<Sample> array(Path file, String text, boolean promptsOnly) {
        List<Sample> out = new ArrayList<>();
        try (JsonParser p = JSON.createParser(text)) {
            p.nextToken(); // the '[' seen by parse()
            for (int record = 1; ; record++) {
                JsonToken t = p.nextToken();
                if (t == JsonToken.END_ARRAY) {
                    break;
                }
                int line = p.currentTokenLocation().getLineNr();
                if (t == null) {
                    throw new DataFormatException(file, "ends before the closing ']' of its array; the file is cut "
                            + "short: " + EXPECTED);
                }
                if (t != JsonToken.START_OBJECT) {
                    throw new DataFormatException(file, record, line, "is " + kind(t) + ", expected an object; "
                            + FIELDS);
                }
                out.add(sample(file, record, line, JSON.readTree(p), promptsOnly));
            }
            if (p.nextToken() != null) {
                throw new DataFormatException(file, "has more text after the closing ']' (line "
                        + p.currentTokenLocation().getLineNr() + "); " + EXPECTED);
            }
        } catch (JsonProcessingException e) {
            throw notJson(file, e);
        } catch (IOException e) {
            throw new DataFormatException(file, 0, 0, "cannot be parsed: " + e.getMessage(), e); // not from a String
        }
        return out;
    }

    private static List<Sample> lines(Path file, String text, boolean promptsOnly) {
        List<Sample> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int record = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                continue; // blank lines (a trailing newline, say) hold no record
            }
            record++;
            JsonNode node;
            try {
                node = LINE.readTree(line);
            } catch (JsonProcessingException e) {
                if (record == 1 && isOneObject(text)) {
                    throw new DataFormatException(file, "is one JSON object, not a list of records; " + EXPECTED);
                }
                throw new DataFormatException(file, record, i + 1, "is not valid JSON: "
                        + e.getOriginalMessage().lines().findFirst().orElse("") + "; in JSON Lines every line is "
                        + "one complete JSON object", e);
            }
            if (!node.isObject()) {
                throw new DataFormatException(file, record, i + 1, "is " + kind(node) + ", expected an object; "
                        + FIELDS);
            }
            out.add(sample(file, record, i + 1, node, promptsOnly));
        }
        return out;
    }

    private static boolean isOneObject(String text) {
        try {
            return JSON.readTree(text).isObject();
        } catch (JsonProcessingException e) {
            return false;
        }
    }

    private static Sample sample(Path file, int record, int line, JsonNode r, boolean promptsOnly) {
        String instruction = string(file, record, line, r, "instruction", null, true, false);
        String input = string(file, record, line, r, "input", "context", false, false);
        String output = string(file, record, line, r, "output", "response", !promptsOnly, promptsOnly);
        return new Sample(instruction, input, output);
    }

    /** A field's string value, or its Dolly alias's; "" when optional and missing or null. */
    private static String string(Path file, int record, int line, JsonNode r, String name, String alias,
            boolean required, boolean scalarsAsText) {
        JsonNode v = r.get(name);
        String used = name;
        if (alias != null && r.has(alias)) {
            if (v != null) {
                throw new DataFormatException(file, record, line, "has both \"" + name + "\" and \"" + alias
                        + "\" (Dolly's name for it); keep one");
            }
            v = r.get(alias);
            used = alias;
        }
        if (v == null || v.isNull()) {
            if (required) {
                throw new DataFormatException(file, record, line, (v == null ? "has no \"" + name + "\" field"
                        : "\"" + used + "\" is null") + "; " + FIELDS);
            }
            return "";
        }
        if (v.isTextual()) {
            return v.asText();
        }
        if (scalarsAsText && v.isValueNode()) {
            return v.asText();
        }
        throw new DataFormatException(file, record, line, "\"" + used + "\" is " + kind(v) + ", expected a string; "
                + FIELDS);
    }

    private static DataFormatException notJson(Path file, JsonProcessingException e) {
        var at = e.getLocation();
        String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        String why = e.getOriginalMessage() == null ? "" : ": " + e.getOriginalMessage().lines().findFirst().orElse("");
        return new DataFormatException(file, 0, at == null ? 0 : at.getLineNr(),
                "is not valid JSON" + where + why + "; " + EXPECTED, e);
    }

    private static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case ARRAY -> "an array";
            case OBJECT, POJO -> "an object";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL, MISSING -> "null";
            case STRING, BINARY -> "a string";
        };
    }

    private static String kind(JsonToken t) {
        return switch (t) {
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> "unexpected JSON (" + t + ")";
        };
    }

    private static int firstNonBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return i;
            }
        }
        return -1;
    }

    private static int lineAt(String s, int index) {
        int line = 1;
        for (int i = 0; i < index; i++) {
            if (s.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static String describe(int codePoint) {
        return Character.isISOControl(codePoint) || !Character.isDefined(codePoint)
                ? String.format("U+%04X", codePoint) : Character.toString(codePoint);
    }
}
