package dev.llmvax.data;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.util.Hashing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Well-formed files: both layouts, the Dolly field names, several files, provenance. */
class DataSetTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    @Test
    void readsAJsonArray() throws IOException {
        Path f = write("a.json", """
                [
                  {"instruction": "Add the numbers.", "input": "2 and 3", "output": "5"},
                  {"instruction": "Say hi.", "input": "", "output": "Hi!"},
                  {"instruction": "No input field.", "output": "ok", "extra": [1, 2]}
                ]
                """);
        DataSet d = DataSet.load(f);
        assertThat(d.samples()).containsExactly(
                new Sample("Add the numbers.", "2 and 3", "5"),
                new Sample("Say hi.", "", "Hi!"),
                new Sample("No input field.", "", "ok"));
        assertThat(d.files()).singleElement().satisfies(df -> {
            assertThat(df.format()).isEqualTo(DataFile.Format.JSON_ARRAY);
            assertThat(df.records()).isEqualTo(3);
        });
    }

    @Test
    void readsJsonLinesWithBlankLinesAndCrlf() throws IOException {
        Path f = write("a.jsonl", "{\"instruction\": \"one\", \"input\": \"x\", \"output\": \"1\"}\r\n\r\n"
                + "{\"instruction\": \"two\", \"output\": \"2\", \"input\": null}\n");
        DataSet d = DataSet.load(f);
        assertThat(d.samples()).containsExactly(new Sample("one", "x", "1"), new Sample("two", "", "2"));
        assertThat(d.files().getFirst().format()).isEqualTo(DataFile.Format.JSON_LINES);
    }

    @Test
    void layoutComesFromTheContentNotTheName() throws IOException {
        Path lines = write("really-lines.json", "{\"instruction\": \"a\", \"output\": \"b\"}\n");
        Path array = write("really-array.jsonl", "\uFEFF  [{\"instruction\": \"a\", \"output\": \"b\"}]");
        assertThat(DataSet.load(lines).files().getFirst().format()).isEqualTo(DataFile.Format.JSON_LINES);
        assertThat(DataSet.load(array).files().getFirst().format()).isEqualTo(DataFile.Format.JSON_ARRAY);
    }

    @Test
    void inputIsJoinedToTheInstructionWithANewline() {
        assertThat(new Sample("Translate to French.", "Good morning", "Bonjour").prompt())
                .isEqualTo("Translate to French.\nGood morning");
        assertThat(Sample.of("Say hi.", "Hi!").prompt()).isEqualTo("Say hi.");
    }

    @Test
    void dollyFieldsMapToAlpacaFields() throws IOException {
        Path f = write("dolly.jsonl", """
                {"instruction": "Who wrote it?", "context": "Hamlet is a play by Shakespeare.", "response": "Shakespeare.", "category": "closed_qa"}
                {"instruction": "Name a colour.", "context": "", "response": "Blue.", "category": "open_qa"}
                """);
        assertThat(DataSet.load(f).samples()).containsExactly(
                new Sample("Who wrote it?", "Hamlet is a play by Shakespeare.", "Shakespeare."),
                new Sample("Name a colour.", "", "Blue."));
    }

    @Test
    void severalFilesInOrderWithTheirHashes() throws IOException {
        Path a = write("a.json", "[{\"instruction\": \"a\", \"output\": \"1\"}]");
        Path b = write("b.jsonl", "{\"instruction\": \"b\", \"output\": \"2\"}\n{\"instruction\": \"c\", \"output\": \"3\"}");
        DataSet d = DataSet.load(List.of(b, a));
        assertThat(d.samples()).extracting(Sample::instruction).containsExactly("b", "c", "a");
        assertThat(d.files()).extracting(DataFile::path).containsExactly(b, a);
        assertThat(d.files().getFirst().sha256()).isEqualTo(Hashing.sha256(b)).hasSize(64);
        assertThat(d.files().get(1).sha256()).isEqualTo(Hashing.sha256(a));
        assertThat(d.samplesOf(0)).extracting(Sample::instruction).containsExactly("b", "c");
        assertThat(d.samplesOf(1)).extracting(Sample::instruction).containsExactly("a");
    }

    @Test
    void promptFilesMayCarryNumbersOrNoOutput() throws IOException {
        Path f = write("test.json", """
                [{"instruction": "great film", "input": "", "output": 0},
                 {"instruction": "awful film"},
                 {"instruction": "fine film", "output": true}]
                """);
        assertThat(DataSet.loadPrompts(List.of(f)).samples()).extracting(Sample::output)
                .containsExactly("0", "", "true");
    }

    @Test
    void keepsTextExactly() throws IOException {
        String tricky = "  tabs\tand \"quotes\", unicode é 漢字 🙂, a lone <|im_end|>\n";
        Path f = write("t.json", "[{\"instruction\": \"  x  \", \"input\": \" \", \"output\": "
                + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(tricky) + "}]");
        Sample s = DataSet.load(f).samples().getFirst();
        assertThat(s.output()).isEqualTo(tricky);
        assertThat(s.instruction()).isEqualTo("  x  ");
        assertThat(s.prompt()).isEqualTo("  x  \n "); // whitespace input is not empty: joined as Alpaca does
    }
}
