package dev.llmvax.eval.utility;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The multiple-choice benchmarks under the shared eval data folder ({@code data/eval/}, see its INVENTORY.md),
 * each with the file it reads. The prompt formats are in {@link PromptFormats}.
 */
public enum Benchmark {
    HELLASWAG("hellaswag", "hellaswag/hellaswag_val.jsonl"),
    ARC_EASY("arc_easy", "arc_easy/ARC-Easy-Test.jsonl"),
    ARC_CHALLENGE("arc_challenge", "arc_challenge/ARC-Challenge-Test.jsonl"),
    PIQA("piqa", "piqa/valid.jsonl"),
    BOOLQ("boolq", "boolq/val.jsonl"),
    OPENBOOKQA("openbookqa", "openbookqa/openbook_qa.jsonl"),
    WINOGRANDE("winogrande", "winogrande/winogrande.jsonl"),
    /** one CSV per subject in this folder */
    MMLU("mmlu", "mmlu/test");

    private final String id;
    private final String file;

    Benchmark(String id, String file) {
        this.id = id;
        this.file = file;
    }

    /** The name used on the command line and in reports ({@code arc_easy}). */
    public String id() {
        return id;
    }

    /** The data file (or MMLU's folder), relative to the eval data folder. */
    public String file() {
        return file;
    }

    /** Every benchmark's name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Benchmark::id).toList();
    }

    /**
     * The benchmark called {@code name} (case-insensitive; {@code arc-easy} is read as {@code arc_easy}).
     *
     * @throws IllegalArgumentException naming the known benchmarks
     */
    public static Benchmark parse(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (Benchmark b : values()) {
            if (b.id.equals(key)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown benchmark '" + name + "'; known: " + String.join(", ", names()));
    }
}
