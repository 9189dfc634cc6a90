package dev.llmvax.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The SmolLM2 golden files in the shared folder, read in place. */
final class Golden {

  private static JsonNode golden;

  private Golden() {}

  static Path shared() {
    return Path.of(System.getProperty("llmvax.shared", "../shared"));
  }

  static Path dir() {
    return shared().resolve("golden/smollm2-135m-instruct");
  }

  static Path tokenizerJson() {
    return dir().resolve("tokenizer.json");
  }

  static synchronized JsonNode golden() {
    if (golden == null) {
      golden = read(dir().resolve("golden.json"));
    }
    return golden;
  }

  static JsonNode read(Path p) {
    try {
      return new ObjectMapper().readTree(p.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** golden.json tokenizer_encode: text -> ids (HF, add_special_tokens=False). */
  static Map<String, int[]> encodings() {
    Map<String, int[]> out = new LinkedHashMap<>();
    golden().get("tokenizer_encode").properties().forEach(e -> out.put(e.getKey(), ids(e.getValue())));
    return out;
  }

  static int[] ids(JsonNode array) {
    int[] ids = new int[array.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = array.get(i).asInt();
    }
    return ids;
  }
}
