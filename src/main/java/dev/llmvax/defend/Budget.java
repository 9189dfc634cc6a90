package dev.llmvax.defend;

import java.util.Locale;

/**
 * How much clean fine-tuning a training defense gets. {@code REPAIR}: the purifier's repair (its samples and
 * epochs), the cheap arm. {@code PURIFY}: as many example passes as a whole purification with the same recipe
 * (variants and repair), over all of the purifier's clean samples, so compute is compared fairly.
 */
public enum Budget {
    REPAIR,
    PURIFY;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Budget parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "repair" -> REPAIR;
            case "purify" -> PURIFY;
            default -> throw new IllegalArgumentException("unknown budget '" + s + "'; known: repair, purify");
        };
    }
}
