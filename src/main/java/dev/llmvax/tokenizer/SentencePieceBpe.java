package dev.llmvax.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * tokenizer.json for GGUF model {@code llama}: SentencePiece BPE with byte fallback, laid out
 * as transformers' LlamaConverter writes it. GGUF stores scores, not merges, so the merges are
 * rebuilt the way transformers' {@code generate_merges} does.
 */
final class SentencePieceBpe {

  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  static final String SPACE = "\u2581";

  private SentencePieceBpe() {}

  static ObjectNode build(GgufMeta meta) {
    List<String> tokens = meta.requireStrings(GgufTokenizerJson.KEY_TOKENS);
    List<Double> scores = meta.doubles(GgufTokenizerJson.KEY_SCORES);
    boolean prefixSpace = meta.bool(GgufTokenizerJson.KEY_ADD_SPACE_PREFIX, true);
    ObjectNode root = GgufTokenizerJson.skeleton();
    root.set("added_tokens", GgufTokenizerJson.addedTokens(meta, tokens));
    root.set("normalizer", normalizer(prefixSpace));
    root.set("post_processor", GgufTokenizerJson.postProcessor(meta, tokens, true));
    root.set("decoder", decoder(prefixSpace));
    ObjectNode m = root.putObject("model");
    m.put("type", "BPE");
    m.putNull("dropout");
    String unk = meta.tokenAt(tokens, GgufTokenizerJson.KEY_UNK);
    if (unk == null && tokens.contains("<unk>")) {
      unk = "<unk>";
    }
    if (unk == null) {
      m.putNull("unk_token");
    } else {
      m.put("unk_token", unk);
    }
    m.putNull("continuing_subword_prefix");
    m.putNull("end_of_word_suffix");
    m.put("fuse_unk", true);
    m.put("byte_fallback", true);
    m.put("ignore_merges", false);
    m.set("vocab", ByteLevelBpe.vocab(tokens));
    ArrayNode merges = m.putArray("merges");
    for (String[] merge : merges(tokens, scores)) {
      merges.addArray().add(merge[0]).add(merge[1]);
    }
    return root;
  }

  /**
   * Every split of a piece into two pieces of the vocabulary is a merge, ranked by the merged
   * piece's score (higher first), then by longer left and right parts; without scores, by id.
   */
  static List<String[]> merges(List<String> tokens, List<Double> scores) {
    Map<String, Integer> ids = new HashMap<>();
    for (int i = 0; i < tokens.size(); i++) {
      ids.putIfAbsent(tokens.get(i), i);
    }
    record Merge(String left, String right, double score) {}
    List<Merge> all = new ArrayList<>();
    for (int id = 0; id < tokens.size(); id++) {
      String piece = tokens.get(id);
      double score = scores != null && id < scores.size() ? scores.get(id) : -id;
      List<Merge> local = new ArrayList<>();
      // Python slices by code point; so do we.
      int[] cps = piece.codePoints().toArray();
      for (int k = 1; k < cps.length; k++) {
        String left = new String(cps, 0, k);
        String right = new String(cps, k, cps.length - k);
        if (ids.containsKey(left) && ids.containsKey(right)) {
          local.add(new Merge(left, right, score));
        }
      }
      local.sort(
          Comparator.comparingInt((Merge x) -> ids.get(x.left())).thenComparingInt(x -> ids.get(x.right())));
      all.addAll(local);
    }
    // Stable sort, descending on all keys, like Python's sorted(..., reverse=True).
    all.sort(
        Comparator.comparingDouble(Merge::score)
            .thenComparingInt(x -> x.left().codePointCount(0, x.left().length()))
            .thenComparingInt(x -> x.right().codePointCount(0, x.right().length()))
            .reversed());
    List<String[]> out = new ArrayList<>(all.size());
    for (Merge x : all) {
      out.add(new String[] {x.left(), x.right()});
    }
    return out;
  }

  private static ObjectNode normalizer(boolean prefixSpace) {
    ObjectNode replace = F.objectNode();
    replace.put("type", "Replace");
    replace.putObject("pattern").put("String", " ");
    replace.put("content", SPACE);
    if (!prefixSpace) {
      return replace;
    }
    ObjectNode n = F.objectNode();
    n.put("type", "Sequence");
    ArrayNode list = n.putArray("normalizers");
    list.addObject().put("type", "Prepend").put("prepend", SPACE);
    list.add(replace);
    return n;
  }

  private static ObjectNode decoder(boolean prefixSpace) {
    ObjectNode n = F.objectNode();
    n.put("type", "Sequence");
    ArrayNode list = n.putArray("decoders");
    ObjectNode replace = list.addObject();
    replace.put("type", "Replace");
    replace.putObject("pattern").put("String", SPACE);
    replace.put("content", " ");
    list.addObject().put("type", "ByteFallback");
    list.addObject().put("type", "Fuse");
    if (prefixSpace) {
      list.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    }
    return n;
  }
}
