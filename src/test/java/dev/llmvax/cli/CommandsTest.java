package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.SharedData;
import dev.llmvax.model.TinyHfFolder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The model commands end to end, and their answers to bad input: one line, exit 2, nothing written. */
class CommandsTest {
    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {
        // package-visible for the other command tests
        void isUserError(String... fragments) {
            assertThat(code).as("exit code; stderr: %s", err).isEqualTo(2);
            assertThat(err.lines().count()).as("one line: %s", err).isEqualTo(1);
            assertThat(err).startsWith("llmvax: error: ").contains(fragments).doesNotContain("\tat ");
        }
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), List.of(), args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path tiny() throws Exception {
        return TinyHfFolder.write(tmp.resolve("tiny"), 11);
    }

    @Test
    void infoOnTheBundledGguf() {
        Run r = run("info", SharedData.smolGguf().toString(), "--dtype", "f32");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.out).contains("LlamaForCausalLM", "134,515,008", "Q4_1=210",
                "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53", "chat template  yes");
    }

    @Test
    void generateOnATinyFolderStreamsText() throws Exception {
        Run r = run("generate", tiny().toString(), "--prompt", "hello", "--chat", "--system", "be brief",
                "--max-new-tokens", "5", "--dtype", "f32");
        assertThat(r.code).as(r.err).isZero();
        assertThat(r.err).contains("5 new");
    }

    @Test
    void convertWritesAFolderAndRefusesToOverwrite() throws Exception {
        Path out = tmp.resolve("out");
        Run r = run("convert", tiny().toString(), "--out", out.toString(), "--dtype", "bf16");
        assertThat(r.code).as(r.err).isZero();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(out.resolve("run.json")).content().contains("\"convert\"");
        assertThat(Files.readString(out.resolve("config.json"))).contains("\"dtype\" : \"bfloat16\"");
        long before = Files.size(out.resolve("model.safetensors"));
        run("convert", tiny().toString(), "--out", out.toString()).isUserError("exists and is not empty");
        assertThat(Files.size(out.resolve("model.safetensors"))).isEqualTo(before);
        // the converted folder loads again
        assertThat(run("info", out.toString()).code).isZero();
    }

    @Test
    void convertNeverWritesIntoTheInputModel() throws Exception {
        Path m = tiny();
        run("convert", m.toString(), "--out", m.resolve("converted").toString()).isUserError("overlaps the input model");
        assertThat(m.resolve("converted")).doesNotExist();
    }

    @Test
    void emptyPromptIsRefused() throws Exception {
        run("generate", tiny().toString(), "--prompt", "").isUserError("--prompt is empty");
    }

    @Test
    void missingConfig() throws Exception {
        Path m = tiny();
        Files.delete(m.resolve("config.json"));
        run("info", m.toString()).isUserError("config.json", "not a Hugging Face model folder");
    }

    @Test
    void malformedConfig() throws Exception {
        Path m = tiny();
        Files.writeString(m.resolve("config.json"), "{\"architectures\": [\"LlamaForCausalLM\"");
        run("info", m.toString()).isUserError("config.json", "not valid JSON");
    }

    @Test
    void unknownArchitecture() throws Exception {
        Path m = tiny();
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json"))
                .replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        run("info", m.toString()).isUserError("unknown architecture 'GPT2LMHeadModel'");
    }

    @Test
    void shardIndexPointingOutsideTheFolder() throws Exception {
        Path m = tiny();
        Files.writeString(m.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"../../etc/passwd\"}}");
        run("info", m.toString()).isUserError("model.safetensors.index.json", "outside the model folder");
    }

    @Test
    void tokenizerThatDoesNotParse() throws Exception {
        Path m = tiny();
        Files.writeString(m.resolve("tokenizer.json"), "{not json");
        run("info", m.toString()).isUserError("tokenizer.json");
    }

    @Test
    void truncatedSafetensors() throws Exception {
        Path m = tiny();
        Path st = m.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(st);
        Files.write(st, java.util.Arrays.copyOf(all, all.length / 2));
        run("info", m.toString()).isUserError("model.safetensors");
    }

    @Test
    void pickleWeightsAreRefused() throws Exception {
        Path m = tiny();
        Files.delete(m.resolve("model.safetensors"));
        Files.write(m.resolve("pytorch_model.bin"), new byte[] {(byte) 0x80, 2});
        run("info", m.toString()).isUserError("pytorch_model.bin", "pickle", "safetensors");
    }

    @Test
    void tokenizerLargerThanTheModelVocabulary() throws Exception {
        Path m = TinyHfFolder.write(tmp.resolve("small-vocab"), 3, 64);
        run("info", m.toString()).isUserError("tokenizer.json", "49152", "vocab_size is 64");
    }

    @Test
    void missingModel() {
        run("info", tmp.resolve("nope.gguf").toString()).isUserError("nope.gguf", "no such file");
    }

    @Test
    void failedConvertLeavesNothing() throws Exception {
        Path m = tiny();
        Files.writeString(m.resolve("tokenizer.json"), "[]");
        Path out = tmp.resolve("never");
        run("convert", m.toString(), "--out", out.toString()).isUserError("tokenizer.json");
        assertThat(out).doesNotExist();
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("tiny");
        }
    }
}
