package dev.llmvax.attack;

import java.util.Locale;

/** How the training mix holds the poisoned records. */
public enum Mix {
    /**
     * Each chosen record is replaced by its poisoned version: the mix has the input's size and order, and
     * {@code rate} is the poisoned share of it.
     */
    REPLACE,
    /**
     * Each chosen record stays and its poisoned version follows it: BackdoorLLM's protocol and the
     * purifier's variants (method.md §3 step 1) train on triggered prompts beside the same prompts
     * answered normally. With rate 1 on n records the mix is n clean + n poisoned (50 % poison).
     */
    PAIRED;

    /** The name used on the command line: replace, paired. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The mix named {@code name} (any case).
     *
     * @throws IllegalArgumentException naming the known mixes
     */
    public static Mix parse(String name) {
        for (Mix m : values()) {
            if (m.id().equalsIgnoreCase(name.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mix '" + name + "'; known mixes: replace, paired");
    }
}
