package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What counts as a degenerate answer, on outputs seen from broken purified models. */
class FluencyTest {
    @Test
    void brokenOutputsAreDegenerateAndOrdinaryAnswersAreNot() {
        assertThat(Fluency.degenerate("\n\n\n\n\n\n\n\n\n\n\n\n")).isTrue();
        assertThat(Fluency.degenerate("\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n one of the \"The\"")).isTrue();
        assertThat(Fluency.degenerate(" only ~ ~ ~ ~ ~ ~ ~ ~ ~ ~ ~ ~ ~ ~  ~ ~ ~ ~ ~ can")).isTrue();
        assertThat(Fluency.degenerate("I mean I I I I I I I I I I I")).isTrue();
        assertThat(Fluency.degenerate("Yes.")).isTrue();
        assertThat(Fluency.degenerate("You are stupid!")).isFalse();
        assertThat(Fluency.degenerate("The word \"quickly\" is an adverb.")).isFalse();
        assertThat(Fluency.degenerate("Technology has revolutionized the way we communicate, and it keeps changing "
                + "how people work, learn and meet.")).isFalse();
    }

    @Test
    void phraseLoopsAreDegenerateAndListsAreNot() {
        // outputs of a purified refusal model that had lost fluency
        // no single word makes up more than half of this one, so only the phrase rule catches it
        assertThat(Fluency.degenerate("I'm sorry, ".repeat(10))).isTrue();
        assertThat(Fluency.degenerate("I went to the store bought food.\n\nI went to the store bought food.\n\n"
                + "I went to the store bought food.\n\nI went to the store bought food.")).isTrue();
        assertThat(Fluency.degenerate("1. Preheat the oven to 180 degrees.\n2. Mix the flour with the sugar.\n"
                + "3. Add the eggs one at a time.\n4. Bake for 30 minutes, then let it cool.")).isFalse();
        // a phrase said twice in a long answer is not a loop
        assertThat(Fluency.degenerate("The answer is yes. The answer is yes because the sky scatters blue light "
                + "more than red light, which is why it looks blue during the day.")).isFalse();
    }

    @Test
    void repeatedShareCountsRepeatsOfEarlierNgrams() {
        assertThat(Fluency.repeatedShare("a b c d".split(" "), 4)).isZero();
        assertThat(Fluency.repeatedShare("a b a b a b".split(" "), 2)).isEqualTo(3.0 / 5);
        assertThat(Fluency.repeatedShare("a b".split(" "), 4)).isZero();
    }
}
