package dev.llmvax.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Text for a report cell or paragraph: runs of plain text, some marked (a trigger in a prompt, the attacker's
 * target in an answer). The HTML writer escapes every run, so any string is safe here.
 */
public record Text(List<Run> runs) {

    /** How a run is shown; the writer maps each to a CSS class. */
    public enum Mark { NONE, TRIGGER, TARGET, CODE }

    /** One stretch of text with one mark. */
    public record Run(String text, Mark mark) {
        public Run {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(mark, "mark");
        }
    }

    public Text {
        runs = List.copyOf(runs);
    }

    public static Text plain(String s) {
        return new Text(List.of(new Run(s, Mark.NONE)));
    }

    /** {@code s} shown as code (monospace). */
    public static Text code(String s) {
        return new Text(List.of(new Run(s, Mark.CODE)));
    }

    /**
     * {@code s} with every occurrence of each needle marked, matched case-insensitively (as the scores match).
     * Overlapping needles: the earliest, then the longest, wins. Null or empty needles are ignored.
     */
    public static Text marked(String s, Mark mark, List<String> needles) {
        String lower = s.toLowerCase(Locale.ROOT);
        List<String> lowered = needles.stream().filter(n -> n != null && !n.isEmpty())
                .map(n -> n.toLowerCase(Locale.ROOT)).toList();
        List<Run> out = new ArrayList<>();
        int from = 0;
        int plainStart = 0;
        while (from < s.length()) {
            int bestAt = -1;
            int bestLen = 0;
            for (String n : lowered) {
                int at = lower.indexOf(n, from);
                if (at >= 0 && (bestAt < 0 || at < bestAt || (at == bestAt && n.length() > bestLen))) {
                    bestAt = at;
                    bestLen = n.length();
                }
            }
            // toLowerCase can change lengths outside ASCII; then marking is skipped rather than misplaced
            if (bestAt < 0 || lower.length() != s.length()) {
                break;
            }
            if (bestAt > plainStart) {
                out.add(new Run(s.substring(plainStart, bestAt), Mark.NONE));
            }
            out.add(new Run(s.substring(bestAt, bestAt + bestLen), mark));
            from = bestAt + bestLen;
            plainStart = from;
        }
        if (plainStart < s.length() || out.isEmpty()) {
            out.add(new Run(s.substring(plainStart), Mark.NONE));
        }
        return new Text(out);
    }

    /** The text without marks. */
    public String plainText() {
        StringBuilder b = new StringBuilder();
        runs.forEach(r -> b.append(r.text()));
        return b.toString();
    }
}
