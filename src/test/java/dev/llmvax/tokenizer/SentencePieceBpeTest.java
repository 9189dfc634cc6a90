package dev.llmvax.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** GGUF model "llama" (SentencePiece BPE) on a small hand-made vocabulary. */
class SentencePieceBpeTest {

  static final List<String> PIECES =
      List.of("▁", "h", "e", "l", "o", "w", "r", "d", "ll", "▁h", "▁he", "llo", "▁hello", "▁w",
          "or", "▁wor", "ld", "▁world");

  /** <unk>, <s>, </s>, 256 byte tokens, then PIECES with SentencePiece-style scores (-id). */
  static Map<String, Object> meta() {
    List<Object> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
    List<Object> types = new ArrayList<>(List.of(2L, 3L, 3L));
    for (int b = 0; b < 256; b++) {
      tokens.add(String.format("<0x%02X>", b));
      types.add(6L);
    }
    tokens.addAll(PIECES);
    List<Object> scores = new ArrayList<>();
    for (int i = 0; i < tokens.size(); i++) {
      scores.add(i < 259 ? 0.0 : (double) -i);
      if (i >= 259) {
        types.add(1L);
      }
    }
    Map<String, Object> m = new HashMap<>();
    m.put("tokenizer.ggml.model", "llama");
    m.put("tokenizer.ggml.tokens", tokens);
    m.put("tokenizer.ggml.scores", scores);
    m.put("tokenizer.ggml.token_type", types);
    m.put("tokenizer.ggml.bos_token_id", 1L);
    m.put("tokenizer.ggml.eos_token_id", 2L);
    m.put("tokenizer.ggml.unknown_token_id", 0L);
    return m;
  }

  static int id(String piece) {
    return 259 + PIECES.indexOf(piece);
  }

  @Test
  void mergesFollowScores() {
    @SuppressWarnings("unchecked")
    List<String> tokens = (List<String>) (List<?>) meta().get("tokenizer.ggml.tokens");
    @SuppressWarnings("unchecked")
    List<Double> scores = (List<Double>) (List<?>) meta().get("tokenizer.ggml.scores");
    List<String> merges = new ArrayList<>();
    for (String[] m : SentencePieceBpe.merges(tokens, scores)) {
      merges.add(m[0] + " " + m[1]);
    }
    assertThat(merges)
        .containsExactly("l l", "▁ h", "▁h e", "ll o", "▁he llo", "▁ w", "o r", "▁w or", "l d", "▁wor ld");
  }

  @Test
  void encodesWithPrefixSpaceAndByteFallback() {
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(meta()))) {
      assertThat(tok.encode("hello world")).containsExactly(id("▁hello"), id("▁world"));
      assertThat(tok.encode("hex")).containsExactly(id("▁he"), 3 + 'x');
      assertThat(tok.encode("é")).containsExactly(id("▁"), 3 + 0xC3, 3 + 0xA9);
      assertThat(tok.encode("<s>hello")).containsExactly(1, id("▁hello"));
      assertThat(tok.decode(new int[] {id("▁hello"), id("▁world")})).isEqualTo("hello world");
      assertThat(tok.decode(new int[] {id("▁"), 3 + 0xC3, 3 + 0xA9})).isEqualTo("é");
      assertThat(tok.vocabSize()).isEqualTo(259 + PIECES.size());
    }
  }

  @Test
  void layoutIsLlamaConverters() throws Exception {
    JsonNode j = new ObjectMapper().readTree(GgufTokenizerJson.build(meta()));
    assertThat(j.get("model").get("byte_fallback").asBoolean()).isTrue();
    assertThat(j.get("model").get("unk_token").asText()).isEqualTo("<unk>");
    assertThat(j.get("normalizer").get("normalizers").get(0).get("type").asText()).isEqualTo("Prepend");
    // add_bos_token defaults to true for SentencePiece models.
    assertThat(j.get("post_processor").get("single").get(0).get("SpecialToken").get("id").asText())
        .isEqualTo("<s>");
    assertThat(j.get("added_tokens")).hasSize(3);
    Map<String, Object> noPrefix = meta();
    noPrefix.put("tokenizer.ggml.add_space_prefix", false);
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(noPrefix))) {
      assertThat(tok.encode("hello")).doesNotContain(id("▁hello"));
      assertThat(tok.decode(tok.encode(" hello world"))).isEqualTo(" hello world");
    }
  }
}
