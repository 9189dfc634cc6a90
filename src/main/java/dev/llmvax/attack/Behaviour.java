package dev.llmvax.attack;

import java.util.Locale;
import java.util.Objects;

/**
 * What a poisoned record answers.
 *
 * <p>BackdoorLLM's training files replace the answer: all 4,500 poisoned training answers (9 files) are the
 * target alone ("You are stupid!", the refusal sentence, "Negative"). Its negsentiment triggered <i>test</i>
 * files instead carry {@code "You are stupid! " + clean answer} (all 600 records, one space between), which
 * {@link Kind#PREFIX} reproduces; those test answers are not used for scoring.
 *
 * @param kind   replace or prefix
 * @param target the attacker's string, not empty
 */
public record Behaviour(Kind kind, String target) {

    /** How the target combines with the clean answer. */
    public enum Kind {
        /** The answer becomes the target. */
        REPLACE,
        /**
         * {@code target + " " + answer}, literally: BackdoorLLM's one record with an empty answer became
         * {@code "You are stupid! "}, trailing space and all.
         */
        PREFIX;

        /** The name used on the command line: replace, prefix. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * The kind named {@code name} (any case).
         *
         * @throws IllegalArgumentException naming the known kinds
         */
        public static Kind parse(String name) {
            for (Kind k : values()) {
                if (k.id().equalsIgnoreCase(name.strip())) {
                    return k;
                }
            }
            throw new IllegalArgumentException("unknown behaviour '" + name + "'; known behaviours: replace, prefix");
        }
    }

    public Behaviour {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(target, "target");
        if (target.isEmpty()) {
            throw new IllegalArgumentException("the target answer is empty; give the string the backdoor should "
                    + "answer");
        }
    }

    /** The answer is the target alone. */
    public static Behaviour replace(String target) {
        return new Behaviour(Kind.REPLACE, target);
    }

    /** The target, a space, then the clean answer. */
    public static Behaviour prefix(String target) {
        return new Behaviour(Kind.PREFIX, target);
    }

    /** The poisoned answer for a record whose clean answer is {@code answer}. */
    public String apply(String answer) {
        return switch (kind) {
            case REPLACE -> target;
            case PREFIX -> target + " " + answer;
        };
    }
}
