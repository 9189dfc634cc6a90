package dev.llmvax.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplatesTest {

  static JsonNode json(String s) throws IOException {
    return new ObjectMapper().readTree(s);
  }

  @Test
  void stringTemplate() throws IOException {
    assertThat(ChatTemplates.fromTokenizerConfig(json("{\"chat_template\": \"{{ x }}\"}"))).hasValue("{{ x }}");
  }

  @Test
  void namedTemplatesPreferDefaultElseFirst() throws IOException {
    String list =
        "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"T\"},"
            + " {\"name\": \"default\", \"template\": \"D\"}]}";
    assertThat(ChatTemplates.fromTokenizerConfig(json(list))).hasValue("D");
    String noDefault =
        "{\"chat_template\": [{\"name\": \"rag\", \"template\": \"R\"},"
            + " {\"name\": \"tool_use\", \"template\": \"T\"}]}";
    assertThat(ChatTemplates.fromTokenizerConfig(json(noDefault))).hasValue("R");
  }

  @Test
  void absentTemplate() throws IOException {
    assertThat(ChatTemplates.fromTokenizerConfig(json("{\"bos_token\": \"<s>\"}"))).isEmpty();
    assertThat(ChatTemplates.fromTokenizerConfig(json("{\"chat_template\": null}"))).isEmpty();
    assertThat(ChatTemplates.fromTokenizerConfig(null)).isEmpty();
    assertThatThrownBy(() -> ChatTemplates.fromTokenizerConfig(json("{\"chat_template\": 3}")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void goldenFolderFallsBackToChatTemplateJinja() throws IOException {
    // The golden tokenizer_config.json has no chat_template; chat_template.jinja has it.
    assertThat(ChatTemplates.fromFolder(Golden.dir()))
        .hasValue(Files.readString(Golden.dir().resolve("chat_template.jinja")));
  }

  @Test
  void tokenizerConfigWinsOverJinjaFile(@TempDir Path dir) throws IOException {
    Files.writeString(dir.resolve("chat_template.jinja"), "FILE");
    assertThat(ChatTemplates.fromFolder(dir)).hasValue("FILE");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"CONFIG\"}");
    assertThat(ChatTemplates.fromFolder(dir)).hasValue("CONFIG");
  }

  @Test
  void emptyFolderHasNoTemplateAndBrokenConfigIsReported(@TempDir Path dir) throws IOException {
    assertThat(ChatTemplates.fromFolder(dir)).isEmpty();
    Files.writeString(dir.resolve("tokenizer_config.json"), "{oops");
    assertThatThrownBy(() -> ChatTemplates.fromFolder(dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer_config.json");
  }
}
