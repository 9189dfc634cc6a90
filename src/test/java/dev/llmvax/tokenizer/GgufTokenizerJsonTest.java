package dev.llmvax.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class GgufTokenizerJsonTest {

  static Map<String, Object> meta;

  /** GGUF-style metadata rebuilt from the golden tokenizer.json, typed as the GGUF reader does. */
  @BeforeAll
  static void metadataFromGoldenTokenizer() {
    JsonNode tj = Golden.read(Golden.tokenizerJson());
    JsonNode vocab = tj.get("model").get("vocab");
    String[] byId = new String[vocab.size()];
    vocab.properties().forEach(e -> byId[e.getValue().asInt()] = e.getKey());
    List<Object> types = new ArrayList<>();
    for (int i = 0; i < byId.length; i++) {
      types.add(1L);
    }
    for (JsonNode added : tj.get("added_tokens")) {
      types.set(added.get("id").asInt(), 3L);
    }
    List<Object> merges = new ArrayList<>();
    for (JsonNode m : tj.get("model").get("merges")) {
      merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
    }
    meta = new HashMap<>();
    meta.put("general.architecture", "llama");
    meta.put("tokenizer.ggml.model", "gpt2");
    meta.put("tokenizer.ggml.pre", "smollm");
    meta.put("tokenizer.ggml.tokens", new ArrayList<Object>(List.of(byId)));
    meta.put("tokenizer.ggml.merges", merges);
    meta.put("tokenizer.ggml.token_type", types);
    meta.put("tokenizer.ggml.bos_token_id", 1L);
    meta.put("tokenizer.ggml.eos_token_id", 2L);
    meta.put("tokenizer.ggml.padding_token_id", 2L);
    meta.put("tokenizer.ggml.unknown_token_id", 0L);
    meta.put("tokenizer.ggml.add_bos_token", false);
  }

  @Test
  void rebuiltTokenizerEncodesLikeHf() {
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(meta))) {
      Golden.encodings()
          .forEach((text, ids) -> assertThat(tok.encode(text)).as(text).containsExactly(ids));
      for (JsonNode c : Golden.golden().get("cases")) {
        String text = c.get("text").asText();
        assertThat(tok.encode(text)).as(text).containsExactly(Golden.ids(c.get("input_ids")));
        assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
      }
      assertThat(tok.vocabSize()).isEqualTo(49152);
      assertThat(tok.tokenId("<|im_end|>")).hasValue(2);
    }
  }

  @Test
  void rebuiltJsonHasHfLayout() throws Exception {
    JsonNode built = new ObjectMapper().readTree(GgufTokenizerJson.build(meta));
    JsonNode golden = Golden.read(Golden.tokenizerJson());
    assertThat(built.get("pre_tokenizer")).isEqualTo(golden.get("pre_tokenizer"));
    assertThat(built.get("decoder")).isEqualTo(golden.get("decoder"));
    assertThat(built.get("post_processor")).isEqualTo(golden.get("post_processor"));
    assertThat(built.get("normalizer")).isEqualTo(golden.get("normalizer"));
    assertThat(built.get("added_tokens")).isEqualTo(golden.get("added_tokens"));
    assertThat(built.get("model").get("vocab")).isEqualTo(golden.get("model").get("vocab"));
    assertThat(built.get("model").get("merges")).isEqualTo(golden.get("model").get("merges"));
  }

  @Test
  void specialTokensAreNamedByTheirIds() {
    assertThat(GgufTokenizerJson.specialTokens(meta))
        .isEqualTo(new SpecialTokens("<|im_start|>", "<|im_end|>", "<|im_end|>", "<|endoftext|>"));
    Map<String, Object> noPad = new HashMap<>(meta);
    noPad.remove("tokenizer.ggml.padding_token_id");
    noPad.put("tokenizer.ggml.unknown_token_id", 999_999L);
    assertThat(GgufTokenizerJson.specialTokens(noPad))
        .isEqualTo(new SpecialTokens("<|im_start|>", "<|im_end|>", null, null));
  }

  @Test
  void addBosTokenAddsTemplateProcessing() throws Exception {
    Map<String, Object> m = new HashMap<>(meta);
    m.put("tokenizer.ggml.add_bos_token", true);
    JsonNode pp = new ObjectMapper().readTree(GgufTokenizerJson.build(m)).get("post_processor");
    assertThat(pp.get("single").get(0).get("SpecialToken").get("id").asText()).isEqualTo("<|im_start|>");
    assertThat(pp.get("single").get(1).get("Sequence").get("id").asText()).isEqualTo("A");
    assertThat(pp.get("pair")).hasSize(4);
    assertThat(pp.get("special_tokens").get("<|im_start|>").get("ids").get(0).asInt()).isEqualTo(1);
    // encode() never adds special tokens, whatever the post-processor says; encodePrompt() applies it.
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(m))) {
      assertThat(tok.encode("Hello world")).containsExactly(19556, 905);
      assertThat(tok.encodePrompt("Hello world")).containsExactly(1, 19556, 905);
    }
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(meta))) {
      assertThat(tok.encodePrompt("Hello world")).containsExactly(19556, 905);
    }
  }

  @Test
  void userDefinedTokensAreAddedButNotSpecial() throws Exception {
    Map<String, Object> m = new HashMap<>(meta);
    List<Object> types = new ArrayList<>((List<?>) meta.get("tokenizer.ggml.token_type"));
    types.set(19556, 4L); // "Hello"
    m.put("tokenizer.ggml.token_type", types);
    JsonNode added = new ObjectMapper().readTree(GgufTokenizerJson.build(m)).get("added_tokens");
    JsonNode hello = added.get(added.size() - 1);
    assertThat(hello.get("content").asText()).isEqualTo("Hello");
    assertThat(hello.get("id").asInt()).isEqualTo(19556);
    assertThat(hello.get("special").asBoolean()).isFalse();
    assertThat(added.get(0).get("special").asBoolean()).isTrue();
  }

  @Test
  void llama3PreTokenizerSplitsDigitsInThrees() throws Exception {
    Map<String, Object> m = new HashMap<>(meta);
    m.put("tokenizer.ggml.pre", "llama-bpe");
    JsonNode pre = new ObjectMapper().readTree(GgufTokenizerJson.build(m)).get("pre_tokenizer");
    assertThat(pre.get("type").asText()).isEqualTo("Sequence");
    assertThat(pre.get("pretokenizers").get(0).get("pattern").get("Regex").asText())
        .contains("\\p{N}{1,3}");
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(m))) {
      for (String text : Golden.encodings().keySet()) {
        assertThat(tok.decode(tok.encode(text))).isEqualTo(text);
      }
      assertThat(tok.encode("Hello world")).containsExactly(19556, 905);
      // Llama 3 keeps "\n\n" before a word as one chunk (\s*[\r\n]+), so "ĊĊ" can merge;
      // GPT-2's \s+(?!\S) leaves the last newline alone: two "Ċ" tokens.
      int nn = tok.tokenId("ĊĊ").orElseThrow();
      int n = tok.tokenId("Ċ").orElseThrow();
      assertThat(tok.encode("hello\n\nworld")).contains(nn).doesNotContain(n);
      try (Tokenizer gpt2 = Tokenizer.fromJson(GgufTokenizerJson.build(meta))) {
        assertThat(gpt2.encode("hello\n\nworld")).contains(n).doesNotContain(nn);
      }
    }
  }

  @Test
  void unknownPreTokenizerFallsBackToGpt2() {
    Map<String, Object> m = new HashMap<>(meta);
    m.put("tokenizer.ggml.pre", "no-such-pre");
    try (Tokenizer tok = Tokenizer.fromJson(GgufTokenizerJson.build(m))) {
      assertThat(tok.encode("Hello world")).containsExactly(19556, 905);
    }
  }

  @Test
  void rejectsUnsupportedModelsAndBadMetadata() {
    Map<String, Object> m = new HashMap<>(meta);
    m.put("tokenizer.ggml.model", "bert");
    assertThatThrownBy(() -> GgufTokenizerJson.build(m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported tokenizer model bert");
    m.put("tokenizer.ggml.model", "gpt2");
    m.remove("tokenizer.ggml.merges");
    assertThatThrownBy(() -> GgufTokenizerJson.build(m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer.ggml.merges");
    m.put("tokenizer.ggml.merges", List.of("Ġt"));
    assertThatThrownBy(() -> GgufTokenizerJson.build(m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed GGUF merge");
    m.put("tokenizer.ggml.tokens", "not a list");
    assertThatThrownBy(() -> GgufTokenizerJson.build(m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer.ggml.tokens");
    m.remove("tokenizer.ggml.model");
    assertThatThrownBy(() -> GgufTokenizerJson.build(m))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("tokenizer.ggml.model");
  }
}
