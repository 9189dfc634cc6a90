package dev.llmvax.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** The reader given anything returns records or throws DataFormatException naming the file: nothing else. */
class JsonLinesPropertiesTest {
    static final Path FILE = Path.of("fuzz.jsonl");
    static final ObjectMapper JSON = new ObjectMapper();

    static void survives(byte[] bytes, boolean promptsOnly) {
        try {
            DataReader.Parsed parsed = DataReader.parse(FILE, bytes, promptsOnly);
            assertThat(parsed.samples()).isNotEmpty();
        } catch (DataFormatException e) {
            assertThat(e.getMessage()).startsWith(FILE + ": ").doesNotContain("\n");
        }
    }

    @Property(tries = 300)
    void arbitraryText(@ForAll String text, @ForAll boolean promptsOnly) {
        survives(text.getBytes(StandardCharsets.UTF_8), promptsOnly);
    }

    @Property(tries = 200)
    void arbitraryBytes(@ForAll @Size(max = 200) byte[] bytes) {
        survives(bytes, false);
    }

    @Property(tries = 500)
    void jsonLikeText(@ForAll("jsonish") String text, @ForAll boolean promptsOnly) {
        survives(text.getBytes(StandardCharsets.UTF_8), promptsOnly);
    }

    @Provide
    Arbitrary<String> jsonish() {
        Arbitrary<String> pieces = Arbitraries.of("{", "}", "[", "]", ",", ":", "\"", "\n", " ", "\r\n", "0", "-1.5e3",
                "null", "true", "\"instruction\"", "\"input\"", "\"output\"", "\"context\"", "\"response\"", "\"x\"",
                "\\", "\\u00e9", "\uFEFF", "\"\\ud800\"");
        return pieces.list().ofMaxSize(40).map(l -> String.join("", l));
    }

    @Property(tries = 200)
    void writtenRecordsReadBack(@ForAll("samples") List<Sample> samples, @ForAll boolean asArray)
            throws JsonProcessingException {
        StringBuilder text = new StringBuilder();
        if (asArray) {
            text.append(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(samples.stream().map(
                    s -> Map.of("instruction", s.instruction(), "input", s.input(), "output", s.output())).toList()));
        } else {
            for (Sample s : samples) {
                text.append(JSON.writeValueAsString(Map.of("instruction", s.instruction(), "input", s.input(),
                        "output", s.output()))).append('\n');
            }
        }
        DataReader.Parsed parsed = DataReader.parse(FILE, text.toString().getBytes(StandardCharsets.UTF_8), false);
        assertThat(parsed.samples()).isEqualTo(samples);
        assertThat(parsed.format()).isEqualTo(asArray ? DataFile.Format.JSON_ARRAY : DataFile.Format.JSON_LINES);
    }

    @Provide
    Arbitrary<List<Sample>> samples() {
        // Valid Unicode only: a lone surrogate cannot be written as UTF-8, so it could not come back.
        Arbitrary<String> text = Arbitraries.strings().all().ofMaxLength(30)
                .filter(s -> s.codePoints().noneMatch(c -> Character.getType(c) == Character.SURROGATE));
        return Combinators.combine(text, text, text).as(Sample::new).list().ofMinSize(1).ofMaxSize(5);
    }
}
