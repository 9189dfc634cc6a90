package dev.llmvax.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** tokenizer.json for GGUF model {@code gpt2}: byte-level BPE, the pre-tokenizer named by pre. */
final class ByteLevelBpe {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;

  // Llama 3 (llama.cpp "llama-bpe"): at most 3 digits per chunk, case-insensitive contractions.
  static final String LLAMA3_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
          + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  // Qwen2: like Llama 3 but one digit per chunk.
  static final String QWEN2_REGEX =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
          + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  private ByteLevelBpe() {}

  static ObjectNode build(GgufMeta meta) {
    List<String> tokens = meta.requireStrings(GgufTokenizerJson.KEY_TOKENS);
    List<String> merges = meta.strings(GgufTokenizerJson.KEY_MERGES);
    if (merges == null) {
      throw new IllegalArgumentException(
          "GGUF metadata has no " + GgufTokenizerJson.KEY_MERGES + " (needed by gpt2 tokenizers)");
    }
    String pre = meta.string(GgufTokenizerJson.KEY_PRE);
    ObjectNode root = GgufTokenizerJson.skeleton();
    root.set("added_tokens", GgufTokenizerJson.addedTokens(meta, tokens));
    root.set("pre_tokenizer", preTokenizer(pre == null ? "default" : pre));
    root.set("post_processor", GgufTokenizerJson.postProcessor(meta, tokens, false));
    root.set("decoder", byteLevel(true, true));
    root.set("model", model(tokens, merges));
    return root;
  }

  /** The pre-tokenizer HF uses for llama.cpp's pre-tokenizer name. */
  static ObjectNode preTokenizer(String pre) {
    return switch (pre) {
      // SmolLM's own tokenizer.json: plain ByteLevel with the GPT-2 regex. llama.cpp also splits
      // digits for "smollm", but the vocabulary has no multi-digit tokens, so ids are the same.
      case "smollm", "default", "gpt2" -> byteLevel(false, true);
      case "starcoder" -> sequence(digits(), byteLevel(false, true));
      case "llama-bpe", "llama3" -> sequence(split(LLAMA3_REGEX), byteLevel(false, false));
      case "qwen2" -> sequence(split(QWEN2_REGEX), byteLevel(false, false));
      default -> {
        System.err.println(
            "warning: unknown GGUF tokenizer.ggml.pre '" + pre + "', using the GPT-2 pre-tokenizer");
        yield byteLevel(false, true);
      }
    };
  }

  private static ObjectNode byteLevel(boolean addPrefixSpace, boolean useRegex) {
    ObjectNode n = F.objectNode();
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", addPrefixSpace);
    n.put("trim_offsets", true);
    n.put("use_regex", useRegex);
    return n;
  }

  private static ObjectNode split(String regex) {
    ObjectNode n = F.objectNode();
    n.put("type", "Split");
    n.putObject("pattern").put("Regex", regex);
    n.put("behavior", "Isolated");
    n.put("invert", false);
    return n;
  }

  private static ObjectNode digits() {
    ObjectNode n = F.objectNode();
    n.put("type", "Digits");
    n.put("individual_digits", true);
    return n;
  }

  private static ObjectNode sequence(ObjectNode... parts) {
    ObjectNode n = F.objectNode();
    n.put("type", "Sequence");
    ArrayNode list = n.putArray("pretokenizers");
    for (ObjectNode p : parts) {
      list.add(p);
    }
    return n;
  }

  private static ObjectNode model(List<String> tokens, List<String> merges) {
    ObjectNode m = F.objectNode();
    m.put("type", "BPE");
    m.putNull("dropout");
    m.putNull("unk_token");
    m.put("continuing_subword_prefix", "");
    m.put("end_of_word_suffix", "");
    m.put("fuse_unk", false);
    m.put("byte_fallback", false);
    m.put("ignore_merges", false);
    m.set("vocab", vocab(tokens));
    ArrayNode list = m.putArray("merges");
    for (String merge : merges) {
      // Byte-level tokens never contain a real space (it is mapped to 'Ġ'), so one split suffices.
      int space = merge.indexOf(' ');
      if (space <= 0 || space == merge.length() - 1 || merge.indexOf(' ', space + 1) >= 0) {
        throw new IllegalArgumentException("malformed GGUF merge '" + merge + "'");
      }
      list.addArray().add(merge.substring(0, space)).add(merge.substring(space + 1));
    }
    return m;
  }

  /** token -> id; a duplicated token string keeps its first id, as a JSON object must. */
  static ObjectNode vocab(List<String> tokens) {
    ObjectNode v = F.objectNode();
    Set<String> seen = new HashSet<>();
    for (int id = 0; id < tokens.size(); id++) {
      if (seen.add(tokens.get(id))) {
        v.put(tokens.get(id), id);
      }
    }
    return v;
  }
}
