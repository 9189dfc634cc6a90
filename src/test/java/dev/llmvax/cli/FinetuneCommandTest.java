package dev.llmvax.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.cli.CommandsTest.Run;
import dev.llmvax.lora.AdaptedModel;
import dev.llmvax.lora.AdapterLoading;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FinetuneCommandTest {
    @TempDir
    Path tmp;
    Path model;
    Path data;

    @BeforeEach
    void setUp() throws Exception {
        model = TinyHfFolder.write(tmp.resolve("tiny"), 11);
        data = tmp.resolve("data.jsonl");
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            s.append("{\"instruction\": \"Say the word number ").append(i).append("\", \"input\": \"\", \"output\": \"word ")
                    .append(i).append("\"}\n");
        }
        Files.writeString(data, s);
    }

    private Run finetune(Path out, String... extra) {
        String[] base = {"finetune", model.toString(), "--data", data.toString(), "--out", out.toString(), "--dtype",
            "f32", "--epochs", "2", "--batch", "4", "--lr", "1e-2"};
        return CommandsTest.run(Stream.concat(Stream.of(base), Stream.of(extra)).toArray(String[]::new));
    }

    @Test
    void loraWritesAPeftAdapterWithCardAndRunJsonThatReloads() throws Exception {
        Path out = tmp.resolve("lora");
        Run r = finetune(out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out).isDirectoryContaining("glob:**/adapter_config.json")
                .isDirectoryContaining("glob:**/adapter_model.safetensors")
                .isDirectoryContaining("glob:**/README.md").isDirectoryContaining("glob:**/run.json");
        String card = Files.readString(out.resolve("README.md"));
        assertThat(card).startsWith("---\nbase_model: tiny\nlicense: other\nlibrary_name: peft\n")
                .contains("| lora_r | 8 |", "| lr | 0.01 |", Files.readString(model.resolve("config.json")).isEmpty()
                        ? "" : "config.json", "loss: first step");
        JsonNode run = new ObjectMapper().readTree(out.resolve("run.json").toFile());
        assertThat(run.path("result").path("steps").asInt()).isEqualTo(6);
        assertThat(run.path("result").path("losses")).hasSize(6);
        assertThat(run.path("provenance").path("inputsSha256").has(data.toString())).isTrue();
        assertThat(tmp.resolve(".lora.llmvax-checkpoints")).doesNotExist();
        // the adapter reloads over its base and changes the logits
        float[] base = lastLogits(model, null);
        float[] adapted = lastLogits(model, out);
        assertThat(adapted).isNotEqualTo(base);
    }

    @Test
    void fullAndMergedRunsWriteHuggingFaceFoldersThatLoad() throws Exception {
        Path full = tmp.resolve("full");
        Run r = finetune(full, "--full");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(full.resolve("model.safetensors")).exists();
        assertThat(Files.readString(full.resolve("README.md"))).contains("library_name: transformers", "full-fine-tune");
        Path merged = tmp.resolve("merged");
        assertThat(finetune(merged, "--merge").code()).isZero();
        float[] viaAdapter = lastLogits(model, null);
        assertThat(lastLogits(merged, null)).isNotEqualTo(viaAdapter);
        assertThat(lastLogits(full, null)).isNotEqualTo(viaAdapter);
    }

    @Test
    void badInputFailsWithOneLineAndWritesNothing() throws Exception {
        Path notJson = Files.writeString(tmp.resolve("bad.json"), "this is not json");
        Path noOutput = Files.writeString(tmp.resolve("nooutput.json"), "[{\"instruction\": \"hi\"}]");
        Path empty = Files.writeString(tmp.resolve("empty.json"), "[]");
        Path out = tmp.resolve("out");
        Run r = CommandsTest.run("finetune", model.toString(), "--data", notJson.toString(), "--out", out.toString());
        r.isUserError("bad.json");
        CommandsTest.run("finetune", model.toString(), "--data", noOutput.toString(), "--out", out.toString())
                .isUserError("\"output\"");
        CommandsTest.run("finetune", model.toString(), "--data", empty.toString(), "--out", out.toString())
                .isUserError("empty.json");
        finetune(out, "--lora-targets", "qkv_proj").isUserError("unknown LoRA target module 'qkv_proj'");
        CommandsTest.run("finetune", model.toString(), "--data", data.toString(), "--out", out.toString(), "--lr", "-1")
                .isUserError("learning rate");
        CommandsTest.run("finetune", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--epochs", "0").isUserError("epochs");
        finetune(model.resolve("sub")).isUserError("input model");
        Path full = Files.createDirectories(tmp.resolve("taken"));
        Files.writeString(full.resolve("keep.txt"), "x");
        finetune(full).isUserError("taken");
        assertThat(Files.readString(full.resolve("keep.txt"))).isEqualTo("x");
        assertThat(out).doesNotExist();
        try (Stream<Path> left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith(".out"));
        }
    }

    private static float[] lastLogits(Path model, Path adapter) {
        Device cpu = new Device(torch.DeviceType.CPU);
        try (AdaptedModel am = AdapterLoading.load(model, adapter, Precision.F32, cpu);
             PointerScope scope = new PointerScope();
             InferenceMode im = new InferenceMode()) {
            LoadedModel m = am.loaded();
            Tensor ids = Tensors.fromLongs(new long[] {1, 2, 3, 4}, 1, 4);
            Tensor pos = Tensors.fromLongs(new long[] {0, 1, 2, 3}, 1, 4);
            return Tensors.toFloats(m.model().forward(ids, pos, null, 0, null, true));
        }
    }
}
