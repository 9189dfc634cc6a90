package dev.llmvax.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTest {

  static Tokenizer tok;

  @BeforeAll
  static void load() {
    tok = Tokenizer.fromJsonFile(Golden.tokenizerJson());
  }

  @AfterAll
  static void close() {
    tok.close();
  }

  @Test
  void encodesGoldenStringsLikeHf() {
    Map<String, int[]> enc = Golden.encodings();
    assertThat(enc).hasSizeGreaterThanOrEqualTo(10);
    enc.forEach((text, ids) -> assertThat(tok.encode(text)).as(text).containsExactly(ids));
  }

  @Test
  void encodesGoldenPromptsLikeHf() {
    JsonNode cases = Golden.golden().get("cases");
    assertThat(cases.size()).isGreaterThan(0);
    for (JsonNode c : cases) {
      String text = c.get("text").asText();
      assertThat(tok.encode(text)).as(text).containsExactly(Golden.ids(c.get("input_ids")));
    }
  }

  @Test
  void specialTokensInTextAreRecognisedAndDecodedBack() {
    int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>");
    assertThat(ids[0]).isEqualTo(1);
    assertThat(ids[ids.length - 1]).isEqualTo(2);
    assertThat(tok.decode(ids)).isEqualTo("<|im_start|>user\nhi<|im_end|>");
  }

  @Test
  void decodeInvertsEncode() {
    for (String text : Golden.encodings().keySet()) {
      assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
    }
  }

  @Test
  void longTextIsNotTruncated() {
    String text = "word ".repeat(3000);
    int[] ids = tok.encode(text);
    assertThat(ids.length).isGreaterThan(2000);
    assertThat(tok.decode(ids)).isEqualTo(text);
  }

  @Test
  void vocabularyLookups() {
    assertThat(tok.vocabSize()).isEqualTo(49152);
    assertThat(tok.tokenId("<|im_end|>")).hasValue(2);
    assertThat(tok.tokenId("<|endoftext|>")).hasValue(0);
    assertThat(tok.tokenId("Ġworld")).hasValue(905);
    assertThat(tok.tokenId("no such token here")).isEmpty();
    assertThat(tok.token(1)).isEqualTo("<|im_start|>");
    assertThat(tok.token(19556)).isEqualTo("Hello");
    assertThat(tok.token(-1)).isNull();
    assertThat(tok.token(49152)).isNull();
  }

  @Test
  void decodeRejectsIdsOutsideTheVocabulary() {
    assertThatThrownBy(() -> tok.decode(new int[] {49152}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("49152");
  }

  @Test
  void keepsItsJsonAndRebuildsFromIt() throws IOException {
    assertThat(tok.tokenizerJson()).isEqualTo(Files.readString(Golden.tokenizerJson()));
    try (Tokenizer again = Tokenizer.fromJson(tok.tokenizerJson())) {
      assertThat(again.encode("Hello world")).containsExactly(19556, 905);
      assertThat(again.vocabSize()).isEqualTo(49152);
    }
  }

  @Test
  void brokenJsonNamesFileAndProblem(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.json");
    Files.writeString(bad, "{\"version\": \"1.0\", \"model\": {");
    assertThatThrownBy(() -> Tokenizer.fromJsonFile(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("not valid JSON");
  }

  @Test
  void jsonWithoutVocabularyIsRejected(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("tokenizer.json");
    Files.writeString(bad, "{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}");
    assertThatThrownBy(() -> Tokenizer.fromJsonFile(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("model.vocab");
  }

  @Test
  void jsonThatDjlRejectsGivesIllegalArgument() {
    // Valid JSON with a vocabulary, but an unknown model type: the native side refuses it.
    String json = "{\"version\":\"1.0\",\"model\":{\"type\":\"Nope\",\"vocab\":{\"a\":0}}}";
    assertThatThrownBy(() -> Tokenizer.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("could not be loaded");
  }
}
