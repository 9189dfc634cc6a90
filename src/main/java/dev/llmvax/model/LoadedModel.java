package dev.llmvax.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A model ready to run, with what came with it.
 *
 * @param source            the GGUF file or Hugging Face folder it was read from
 * @param format            {@code gguf} or {@code hf}
 * @param sourceDtypes      tensor count per stored dtype, e.g. {Q4_1=210, F32=61, Q8_0=1}
 * @param files             every file read, for hashing into provenance
 * @param bosToken          the BOS token string for chat templates, or null
 * @param eosToken          the EOS token string for chat templates, or null
 * @param stopTokenIds      ids that end generation: EOS ids and the template's end-of-turn token
 * @param generationConfig  {@code generation_config.json} as read, or synthesised from the config
 */
public record LoadedModel(LlamaModel model, Tokenizer tokenizer, Optional<ChatTemplate> chatTemplate,
                          Path source, String format, Map<String, Integer> sourceDtypes,
                          java.util.List<Path> files, String bosToken, String eosToken, Set<Integer> stopTokenIds,
                          ObjectNode generationConfig) implements AutoCloseable {

    public LlamaConfig config() {
        return model.config();
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }
}
