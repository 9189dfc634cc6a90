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
}
