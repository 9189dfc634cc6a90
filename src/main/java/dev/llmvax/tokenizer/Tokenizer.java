package dev.llmvax.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (DJL's native binding), configured the way the
 * model sees text: no truncation, no padding and no automatic special tokens. Special tokens
 * written in the text (such as {@code <|im_start|>}) are still recognised as their ids.
 */
public final class Tokenizer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  // DJL's defaults truncate at 512 tokens and may add special tokens: switch all of that off.
  private static final Map<String, String> OPTIONS =
      Map.of("truncation", "false", "padding", "false", "addSpecialTokens", "false");

  private final HuggingFaceTokenizer hf;
  private final String json;
  private final Map<String, Integer> ids;
  private final Map<Integer, String> tokens;
  private final int vocabSize;

  private Tokenizer(HuggingFaceTokenizer hf, String json, Map<String, Integer> ids) {
    this.hf = hf;
    this.json = json;
    this.ids = Map.copyOf(ids);
    Map<Integer, String> byId = new HashMap<>();
    int max = -1;
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      byId.putIfAbsent(e.getValue(), e.getKey());
      max = Math.max(max, e.getValue());
    }
    this.tokens = Map.copyOf(byId);
    this.vocabSize = max + 1;
  }

  /** Loads a {@code tokenizer.json} file. */
  public static Tokenizer fromJsonFile(Path tokenizerJson) {
    String text;
    try {
      text = Files.readString(tokenizerJson, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer file " + tokenizerJson, e);
    }
    return load(text, tokenizerJson.toString());
  }

  /** Builds a tokenizer from the text of a {@code tokenizer.json}. */
  public static Tokenizer fromJson(String json) {
    return load(json, "<tokenizer.json string>");
  }

  private static Tokenizer load(String json, String source) {
    Map<String, Integer> vocab = parseVocab(json, source);
    try {
      // The stream overload builds from the string directly: no temp file, no tokenizer_config
      // lookup next to the file that could switch special tokens back on.
      HuggingFaceTokenizer hf =
          HuggingFaceTokenizer.newInstance(
              new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS);
      return new Tokenizer(hf, json, vocab);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "tokenizer " + source + " could not be loaded: " + e.getMessage(), e);
    }
  }

  // Our own parse first, so a broken file gets a clear message before the native code sees it.
  private static Map<String, Integer> parseVocab(String json, String source) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "tokenizer " + source + " is not valid JSON: " + e.getOriginalMessage()
              + " (line " + lineOf(e) + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException("tokenizer " + source + " is not a JSON object");
    }
    JsonNode vocab = root.path("model").path("vocab");
    Map<String, Integer> ids = new HashMap<>();
    if (vocab.isObject()) {
      vocab.properties().forEach(e -> ids.put(e.getKey(), e.getValue().asInt()));
    } else if (vocab.isArray()) {
      // Unigram models store [piece, score] pairs; the id is the position.
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).path(0).asText(), i);
      }
    } else {
      throw new IllegalArgumentException("tokenizer " + source + " has no model.vocab");
    }
    for (JsonNode added : root.path("added_tokens")) {
      ids.put(added.path("content").asText(), added.path("id").asInt());
    }
    return ids;
  }

  private static String lineOf(JsonProcessingException e) {
    return e.getLocation() == null ? "?" : String.valueOf(e.getLocation().getLineNr());
  }

  /** Token ids of {@code text}, without adding BOS/EOS; special tokens in the text count. */
  public int[] encode(String text) {
    return ids(hf.encode(text, false, false).getIds());
  }

  /**
   * Token ids of a raw prompt as Hugging Face's {@code tokenizer(text)} gives them: the tokenizer.json
   * post-processor adds what the model expects around it (Llama's BOS, say; nothing for SmolLM2). Chat
   * templates write their special tokens themselves, so templated text goes through {@link #encode}.
   */
  public int[] encodePrompt(String text) {
    return ids(hf.encode(text, true, false).getIds());
  }

  private static int[] ids(long[] raw) {
    int[] out = new int[raw.length];
    for (int i = 0; i < raw.length; i++) {
      out[i] = Math.toIntExact(raw[i]);
    }
    return out;
  }

  /** Text of {@code ids}; special tokens are kept as text (e.g. {@code <|im_end|>}). */
  public String decode(int[] ids) {
    long[] raw = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize) {
        throw new IllegalArgumentException("token id " + ids[i] + " outside vocabulary of " + vocabSize);
      }
      raw[i] = ids[i];
    }
    return hf.decode(raw, false);
  }

  /** Number of ids, added tokens included (the largest id + 1). */
  public int vocabSize() {
    return vocabSize;
  }

  /** Id of a vocabulary entry as written in tokenizer.json (e.g. {@code "Ġworld"}). */
  public OptionalInt tokenId(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** Vocabulary entry of {@code id} as written in tokenizer.json, or null when unused. */
  public String token(int id) {
    return tokens.get(id);
  }

  /** The tokenizer.json text this tokenizer was built from. */
  public String tokenizerJson() {
    return json;
  }

  @Override
  public void close() {
    hf.close();
  }
}
