package dev.llmvax.defend;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The baseline defenses of method.md §5, each compared with the purifier on the same models and evaluator. */
public enum DefenseMethod {
    /** Clean fine-tuning with the purifier's repair recipe (or a budget equal to the whole purification). */
    FINETUNE("finetune"),
    /** Wanda pruning: |W_ij| * ||X_j|| per output row, from clean calibration activations. */
    WANDA("wanda"),
    /** Wanda, then the repair fine-tune. */
    FINE_PRUNING("fine-pruning"),
    /** Weights rounded through a GGUF block format (Q8_0 or Q4_0), evaluated in full precision. */
    QUANTIZE("quantize"),
    /** Clean LoRA fine-tuning with CROW's layer-consistency regulariser under adversarial embedding noise. */
    CROW("crow");

    private final String id;

    DefenseMethod(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Whether the method trains (and so has a training-token cost). */
    public boolean trains() {
        return this != WANDA && this != QUANTIZE;
    }

    public static DefenseMethod parse(String s) {
        String k = s.toLowerCase(Locale.ROOT).strip();
        for (DefenseMethod m : values()) {
            if (m.id.equals(k)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown defense method '" + s + "'; known: "
                + Arrays.stream(values()).map(DefenseMethod::id).collect(Collectors.joining(", ")));
    }
}
