package dev.llmvax.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.List;
import java.util.Map;

/**
 * Builds a complete Hugging Face {@code tokenizer.json} from GGUF tokenizer metadata
 * ({@code tokenizer.ggml.*}), so that a bare .gguf file is a complete model. Metadata values
 * use the GGUF reader's Java types: integers {@code Long}, floats {@code Double}, booleans
 * {@code Boolean}, strings {@code String}, arrays {@code List<Object>}.
 *
 * <p>Supported models: {@code gpt2} (byte-level BPE) and {@code llama} (SentencePiece BPE with
 * byte fallback; merges are rebuilt from the scores as transformers does).
 */
public final class GgufTokenizerJson {

  static final String KEY_MODEL = "tokenizer.ggml.model";
  static final String KEY_PRE = "tokenizer.ggml.pre";
  static final String KEY_TOKENS = "tokenizer.ggml.tokens";
  static final String KEY_MERGES = "tokenizer.ggml.merges";
  static final String KEY_SCORES = "tokenizer.ggml.scores";
  static final String KEY_TYPES = "tokenizer.ggml.token_type";
  static final String KEY_BOS = "tokenizer.ggml.bos_token_id";
  static final String KEY_EOS = "tokenizer.ggml.eos_token_id";
  static final String KEY_PAD = "tokenizer.ggml.padding_token_id";
  static final String KEY_UNK = "tokenizer.ggml.unknown_token_id";
  static final String KEY_ADD_BOS = "tokenizer.ggml.add_bos_token";
  static final String KEY_ADD_EOS = "tokenizer.ggml.add_eos_token";
  static final String KEY_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";

  // llama.cpp token types.
  static final int TYPE_UNKNOWN = 2;
  static final int TYPE_CONTROL = 3;
  static final int TYPE_USER_DEFINED = 4;

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  private GgufTokenizerJson() {}

  /** The tokenizer.json text for {@code ggufMetadata}. */
  public static String build(Map<String, Object> ggufMetadata) {
    GgufMeta meta = new GgufMeta(ggufMetadata);
    String model = meta.string(KEY_MODEL);
    if (model == null) {
      throw new IllegalArgumentException("GGUF metadata has no " + KEY_MODEL);
    }
    ObjectNode root =
        switch (model) {
          case "gpt2" -> ByteLevelBpe.build(meta);
          case "llama" -> SentencePieceBpe.build(meta);
          default -> throw new IllegalArgumentException("unsupported tokenizer model " + model);
        };
    try {
      return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The bos/eos/pad/unk token strings named by the metadata's token ids. */
  public static SpecialTokens specialTokens(Map<String, Object> ggufMetadata) {
    GgufMeta meta = new GgufMeta(ggufMetadata);
    List<String> tokens = meta.strings(KEY_TOKENS);
    return new SpecialTokens(
        meta.tokenAt(tokens, KEY_BOS),
        meta.tokenAt(tokens, KEY_EOS),
        meta.tokenAt(tokens, KEY_PAD),
        meta.tokenAt(tokens, KEY_UNK));
  }

  /** The parts every tokenizer.json has, in the order HF writes them. */
  static ObjectNode skeleton() {
    ObjectNode root = F.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    root.putArray("added_tokens");
    root.putNull("normalizer");
    root.putNull("pre_tokenizer");
    root.putNull("post_processor");
    root.putNull("decoder");
    root.putNull("model");
    return root;
  }

  /** Control, unknown and user-defined tokens become added tokens (special unless user-defined). */
  static ArrayNode addedTokens(GgufMeta meta, List<String> tokens) {
    ArrayNode added = F.arrayNode();
    List<Long> types = meta.longs(KEY_TYPES);
    if (types == null) {
      return added;
    }
    for (int id = 0; id < types.size() && id < tokens.size(); id++) {
      int type = types.get(id).intValue();
      if (type == TYPE_CONTROL || type == TYPE_UNKNOWN || type == TYPE_USER_DEFINED) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", tokens.get(id));
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", type != TYPE_USER_DEFINED);
      }
    }
    return added;
  }

  /** TemplateProcessing that adds BOS/EOS as the GGUF flags ask (nothing when both are off). */
  static ObjectNode postProcessor(GgufMeta meta, List<String> tokens, boolean addBosDefault) {
    boolean addBos = meta.bool(KEY_ADD_BOS, addBosDefault) && meta.tokenAt(tokens, KEY_BOS) != null;
    boolean addEos = meta.bool(KEY_ADD_EOS, false) && meta.tokenAt(tokens, KEY_EOS) != null;
    String bos = meta.tokenAt(tokens, KEY_BOS);
    String eos = meta.tokenAt(tokens, KEY_EOS);
    ObjectNode p = F.objectNode();
    p.put("type", "TemplateProcessing");
    ArrayNode single = p.putArray("single");
    ArrayNode pair = p.putArray("pair");
    ObjectNode specials = F.objectNode();
    for (int seq = 0; seq < 2; seq++) {
      String name = seq == 0 ? "A" : "B";
      if (addBos) {
        special(seq == 0 ? single : null, pair, bos, seq);
      }
      sequence(seq == 0 ? single : null, pair, name, seq);
      if (addEos) {
        special(seq == 0 ? single : null, pair, eos, seq);
      }
    }
    if (addBos) {
      specials.set(bos, specialEntry(bos, meta.longValue(KEY_BOS)));
    }
    if (addEos) {
      specials.set(eos, specialEntry(eos, meta.longValue(KEY_EOS)));
    }
    p.set("special_tokens", specials);
    return p;
  }

  private static void special(ArrayNode single, ArrayNode pair, String token, int typeId) {
    for (ArrayNode target : new ArrayNode[] {single, pair}) {
      if (target != null) {
        ObjectNode s = target.addObject().putObject("SpecialToken");
        s.put("id", token);
        s.put("type_id", typeId);
      }
    }
  }

  private static void sequence(ArrayNode single, ArrayNode pair, String name, int typeId) {
    for (ArrayNode target : new ArrayNode[] {single, pair}) {
      if (target != null) {
        ObjectNode s = target.addObject().putObject("Sequence");
        s.put("id", name);
        s.put("type_id", typeId);
      }
    }
  }

  private static ObjectNode specialEntry(String token, long id) {
    ObjectNode e = F.objectNode();
    e.put("id", token);
    e.putArray("ids").add(id);
    e.putArray("tokens").add(token);
    return e;
  }
}
