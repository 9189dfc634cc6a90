package dev.llmvax.attack;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.llmvax.data.Sample;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes records as a JSON array of {@code {"instruction", "input", "output"}}, the layout
 * {@link dev.llmvax.data.DataSet#load} and BackdoorLLM read. UTF-8; non-ASCII and zero-width characters are
 * written as themselves, only JSON's control characters are escaped.
 */
public final class SampleJson {
    private static final JsonFactory JSON = new JsonFactory();

    private SampleJson() {}

    /** Writes {@code samples} to {@code file}, replacing it. */
    public static void write(Path file, List<Sample> samples) throws IOException {
        try (OutputStream out = Files.newOutputStream(file);
             JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.useDefaultPrettyPrinter();
            g.writeStartArray();
            for (Sample s : samples) {
                g.writeStartObject();
                g.writeStringField("instruction", s.instruction());
                g.writeStringField("input", s.input());
                g.writeStringField("output", s.output());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeRaw('\n');
        }
    }
}
