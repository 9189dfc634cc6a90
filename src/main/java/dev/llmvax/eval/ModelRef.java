package dev.llmvax.eval;

import java.util.Map;
import java.util.TreeMap;

/**
 * Which model was evaluated.
 *
 * @param role    "model" (the one under test) or "compare" (evaluated beside it)
 * @param label   a short name for tables and charts, unique within a report
 * @param source  the GGUF file or Hugging Face folder, as given
 * @param adapter the PEFT adapter folder merged into it, or null
 * @param dtype   the compute dtype, as Hugging Face names it ("bfloat16", "float32")
 * @param device  where it ran ("cpu", "cuda:0")
 * @param sha256  every file read (weights, tokenizer, adapter) to its SHA-256, sorted by path
 */
public record ModelRef(String role, String label, String source, String adapter, String dtype, String device,
                       Map<String, String> sha256) {
    public ModelRef {
        sha256 = java.util.Collections.unmodifiableMap(new TreeMap<>(sha256));
    }
}
