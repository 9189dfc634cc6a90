package dev.llmvax.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Finds a model's chat template where transformers looks for it. */
public final class ChatTemplates {

  private ChatTemplates() {}

  /**
   * {@code chat_template} of a tokenizer_config.json: a string, or a list of {name, template}
   * (the one named "default", else the first).
   */
  public static Optional<String> fromTokenizerConfig(JsonNode tokenizerConfig) {
    if (tokenizerConfig == null) {
      return Optional.empty();
    }
    JsonNode t = tokenizerConfig.get("chat_template");
    if (t == null || t.isNull()) {
      return Optional.empty();
    }
    if (t.isTextual()) {
      return Optional.of(t.asText());
    }
    if (t.isArray()) {
      for (JsonNode named : t) {
        if ("default".equals(named.path("name").asText(null)) && named.path("template").isTextual()) {
          return Optional.of(named.get("template").asText());
        }
      }
      for (JsonNode named : t) {
        if (named.path("template").isTextual()) {
          return Optional.of(named.get("template").asText());
        }
      }
      return Optional.empty();
    }
    throw new IllegalArgumentException(
        "chat_template should be a string or a list of {name, template}, got " + t.getNodeType());
  }

  /** tokenizer_config.json's chat_template, else chat_template.jinja, in an HF model folder. */
  public static Optional<String> fromFolder(Path hfFolder) {
    Path config = hfFolder.resolve("tokenizer_config.json");
    try {
      if (Files.isRegularFile(config)) {
        JsonNode node;
        try {
          node = new ObjectMapper().readTree(config.toFile());
        } catch (IOException e) {
          throw new IllegalArgumentException(config + " is not valid JSON: " + e.getMessage(), e);
        }
        Optional<String> t = fromTokenizerConfig(node);
        if (t.isPresent()) {
          return t;
        }
      }
      Path jinja = hfFolder.resolve("chat_template.jinja");
      if (Files.isRegularFile(jinja)) {
        return Optional.of(Files.readString(jinja, StandardCharsets.UTF_8));
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read chat template in " + hfFolder, e);
    }
  }
}
