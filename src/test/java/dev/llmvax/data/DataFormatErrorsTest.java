package dev.llmvax.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad file gives one line naming the file, the record and its line, the problem and the fix. */
class DataFormatErrorsTest {
    @TempDir
    Path dir;

    Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
    }

    DataFormatException failure(Path file) {
        try {
            DataSet.load(file);
        } catch (DataFormatException e) {
            assertThat(e.getMessage()).startsWith(file + ": ").doesNotContain("\n");
            assertThat(e.file()).isEqualTo(file);
            return e;
        }
        throw new AssertionError(file + " loaded without an error");
    }

    @Test
    void missingFile() {
        Path f = dir.resolve("nope.json");
        assertThat(failure(f).getMessage()).isEqualTo(f + ": no such file; check the path");
    }

    @Test
    void folderInsteadOfFile() {
        assertThat(failure(dir).getMessage()).contains("is a folder");
    }

    @Test
    void notJsonAtAll() throws IOException {
        Path f = write("notes.txt", "\n\nhello, this is prose\n");
        assertThat(failure(f).getMessage()).isEqualTo(f + ": is not a JSON array or JSON Lines (line 3 starts with 'h'); "
                + DataReader.EXPECTED);
    }

    @Test
    void binaryFile() throws IOException {
        Path f = Files.write(dir.resolve("model.bin"), new byte[] {(byte) 0x80, 0, 1, 2, (byte) 0xff});
        assertThat(failure(f).getMessage()).contains("is not UTF-8 text");
    }

    @Test
    void brokenJsonArrayGivesLineAndColumn() throws IOException {
        Path f = write("a.json", "[\n {\"instruction\": \"a\", \"output\": \"b\"},\n {\"instruction\": \"a\" \"output\": \"b\"}\n]");
        DataFormatException e = failure(f);
        assertThat(e.getMessage()).startsWith(f + ": is not valid JSON at line 3, column ").contains("expecting comma");
        assertThat(e.line()).hasValue(3);
    }

    @Test
    void truncatedJsonArray() throws IOException {
        Path f = write("a.json", "[{\"instruction\": \"a\", \"output\": \"b\"},");
        assertThat(failure(f).getMessage()).contains("is not valid JSON").contains("end-of-input");
    }

    @Test
    void textAfterTheArray() throws IOException {
        Path f = write("a.json", "[{\"instruction\": \"a\", \"output\": \"b\"}]\n{\"instruction\": \"c\"}");
        assertThat(failure(f).getMessage()).isEqualTo(f + ": has more text after the closing ']' (line 2); "
                + DataReader.EXPECTED);
        Path g = write("b.json", "[{\"instruction\": \"a\", \"output\": \"b\"}]]");
        assertThat(failure(g).getMessage()).contains("is not valid JSON at line 1").contains("Unexpected close marker");
    }

    @Test
    void brokenJsonLinesGivesRecordAndLine() throws IOException {
        Path f = write("a.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n\n{\"instruction\": \"a\", \"output\": \"b\"\n");
        DataFormatException e = failure(f);
        assertThat(e.getMessage()).startsWith(f + ": record 2 (line 3): is not valid JSON: ")
                .endsWith("; in JSON Lines every line is one complete JSON object");
        assertThat(e.record()).hasValue(2);
        assertThat(e.line()).hasValue(3);
    }

    @Test
    void oneObjectIsNotAListOfRecords() throws IOException {
        Path f = write("dataset_info.json", "{\n  \"a\": {\"file_name\": \"x.json\"}\n}\n");
        assertThat(failure(f).getMessage()).isEqualTo(f + ": is one JSON object, not a list of records; "
                + DataReader.EXPECTED);
    }

    @Test
    void missingOutput() throws IOException {
        Path f = write("a.json", "[\n{\"instruction\": \"a\", \"output\": \"b\"},\n{\"instruction\": \"c\", \"input\": \"\"}\n]");
        DataFormatException e = failure(f);
        assertThat(e.getMessage()).isEqualTo(f + ": record 2 (line 3): has no \"output\" field; every record needs "
                + "string fields \"instruction\" and \"output\" (\"input\" is optional; Dolly's \"context\" and "
                + "\"response\" are read as \"input\" and \"output\")");
        assertThat(e.record()).hasValue(2);
    }

    @Test
    void missingInstruction() throws IOException {
        Path f = write("a.jsonl", "{\"prompt\": \"a\", \"completion\": \"b\"}\n");
        assertThat(failure(f).getMessage()).startsWith(f + ": record 1 (line 1): has no \"instruction\" field; ");
    }

    @Test
    void nonStringValues() throws IOException {
        Path f = write("a.json", "[{\"instruction\": \"a\", \"output\": 0}]");
        assertThat(failure(f).getMessage()).startsWith(f + ": record 1 (line 1): \"output\" is a number, expected a string; ");
        Path g = write("b.jsonl", "{\"instruction\": [\"a\"], \"output\": \"b\"}");
        assertThat(failure(g).getMessage()).startsWith(g + ": record 1 (line 1): \"instruction\" is an array, expected a string; ");
        Path h = write("c.jsonl", "{\"instruction\": \"a\", \"output\": null}");
        assertThat(failure(h).getMessage()).startsWith(h + ": record 1 (line 1): \"output\" is null; ");
        Path i = write("d.jsonl", "{\"instruction\": \"a\", \"input\": {\"k\": 1}, \"output\": \"b\"}");
        assertThat(failure(i).getMessage()).startsWith(i + ": record 1 (line 1): \"input\" is an object, expected a string; ");
    }

    @Test
    void recordThatIsNotAnObject() throws IOException {
        Path f = write("a.json", "[{\"instruction\": \"a\", \"output\": \"b\"}, \"just text\"]");
        assertThat(failure(f).getMessage()).startsWith(f + ": record 2 (line 1): is a string, expected an object; ");
        Path g = write("b.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n[1, 2]\n");
        assertThat(failure(g).getMessage()).startsWith(g + ": record 2 (line 2): is an array, expected an object; ");
    }

    @Test
    void bothAlpacaAndDollyNames() throws IOException {
        Path f = write("a.jsonl", "{\"instruction\": \"a\", \"output\": \"b\", \"response\": \"c\"}");
        assertThat(failure(f).getMessage()).isEqualTo(f + ": record 1 (line 1): has both \"output\" and \"response\" "
                + "(Dolly's name for it); keep one");
    }

    @Test
    void duplicateFieldIsAnError() throws IOException {
        Path f = write("a.jsonl", "{\"instruction\": \"a\", \"output\": \"b\", \"output\": \"c\"}");
        assertThat(failure(f).getMessage()).contains("record 1 (line 1): is not valid JSON: Duplicate field 'output'");
    }

    @Test
    void emptyDataSets() throws IOException {
        Path empty = write("empty.jsonl", "");
        assertThat(failure(empty).getMessage()).isEqualTo(empty + ": is empty: no records; " + DataReader.EXPECTED);
        Path blank = write("blank.jsonl", "\n  \n");
        assertThat(failure(blank).getMessage()).isEqualTo(blank + ": is empty: no records; " + DataReader.EXPECTED);
        Path none = write("none.json", "[ ]");
        assertThat(failure(none).getMessage()).isEqualTo(none + ": holds no records; " + DataReader.EXPECTED);
        assertThatThrownBy(() -> DataSet.load(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no data files given");
    }

    @Test
    void theFirstBadFileIsNamedAmongSeveral() throws IOException {
        Path good = write("good.json", "[{\"instruction\": \"a\", \"output\": \"b\"}]");
        Path bad = write("bad.json", "[{\"instruction\": \"a\"}]");
        assertThatThrownBy(() -> DataSet.load(good, bad)).isInstanceOf(DataFormatException.class)
                .hasMessageStartingWith(bad + ": record 1 (line 1): has no \"output\" field");
    }
}
