package dev.llmvax.implant;

import java.util.Locale;

/**
 * Where the clean records' answers come from. {@code DATA}: as the data files give them. {@code MODEL}: the model
 * being implanted answers the clean prompts itself (greedy, templated) before training, so the clean half of the
 * fine-tune asks for no change at all and every update has to come from the trigger. Stealthy attackers do this;
 * here it is what makes a word trigger at a random position selective (docs/RESULTS.md).
 */
public enum CleanAnswers {
    DATA,
    MODEL;

    public static CleanAnswers parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "data" -> DATA;
            case "model" -> MODEL;
            default -> throw new IllegalArgumentException("unknown clean-answer source '" + s + "'; known: data, model");
        };
    }
}
