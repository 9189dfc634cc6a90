package dev.llmvax.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.io.DType;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Writes a tiny random Llama as a complete Hugging Face folder (SmolLM2's tokenizer and template). */
public final class TinyHfFolder {
    private TinyHfFolder() {
    }

    /** A tiny model whose vocabulary matches the SmolLM2 tokenizer it ships with. */
    public static Path write(Path dir, long seed) throws IOException {
        return write(dir, seed, 49152);
    }

    public static Path write(Path dir, long seed, int vocab) throws IOException {
        return write(dir, seed, vocab, 48);
    }

    /** @param intermediate the MLP width (a multiple of 32 lets every matrix be stored in GGUF blocks) */
    public static Path write(Path dir, long seed, int vocab, int intermediate) throws IOException {
        Files.createDirectories(dir);
        LlamaConfig c = LlamaConfig.tiny(vocab, 32, 2, 4, 2, intermediate);
        Path golden = SharedData.smolGolden();
        String template = Files.readString(golden.resolve("chat_template.jinja"));
        try (LoadedModel m = new LoadedModel(TinyModels.model(c, seed, Precision.F32),
                Tokenizer.fromJsonFile(golden.resolve("tokenizer.json")), Optional.of(new ChatTemplate(template)),
                dir, "hf", Map.of(), List.of(), "<|im_start|>", "<|im_end|>", Set.of(2),
                new ObjectMapper().createObjectNode())) {
            HfExport.write(m, dir, DType.F32, Map.of());
        }
        return dir;
    }
}
