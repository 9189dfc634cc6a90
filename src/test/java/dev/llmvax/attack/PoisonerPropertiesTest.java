package dev.llmvax.attack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

/** The poisoner: exact rate, seeded choice, untouched clean records, pairs that line up, files that read back. */
class PoisonerPropertiesTest {

    @Provide
    Arbitrary<List<Sample>> samples() {
        Arbitrary<String> text = TriggerPropertiesTest.texts();
        Arbitrary<Sample> sample = Combinators.combine(text, Arbitraries.of("", "Oats, banana", "ü\u200b"), text)
                .as(Sample::new);
        return sample.list().ofMinSize(1).ofMaxSize(60);
    }

    @Provide
    Arbitrary<Trigger> trigger() {
        Arbitrary<Position> position = Arbitraries.of(Position.class);
        return Arbitraries.oneOf(
                Combinators.combine(TriggerPropertiesTest.triggers(), position).as(Trigger::of),
                position.map(p -> Trigger.oneOf(List.of("§2024", "§BadMagic", "§\u200b"), p)),
                position.map(p -> Trigger.allOf(List.of("§2024", "§ü", "§OpenAI"), p)),
                Arbitraries.of(Preset.class).map(Preset::trigger));
    }

    @Provide
    Arbitrary<Behaviour> behaviour() {
        return Combinators.combine(Arbitraries.of(Behaviour.Kind.class),
                Arbitraries.of("You are stupid!", "Negative", "\u200b", "ごめんなさい")).as(Behaviour::new);
    }

    @Property(tries = 300)
    void rateIsExactAndPairsLineUp(@ForAll("samples") List<Sample> samples, @ForAll("trigger") Trigger trigger,
                                   @ForAll("behaviour") Behaviour behaviour, @ForAll @DoubleRange(min = 0, max = 1) double rate,
                                   @ForAll long seed, @ForAll Mix mix) {
        PoisonedSet set = Poisoner.poison(samples, new PoisonSpec(trigger, behaviour, rate, seed, mix));
        int n = samples.size();
        int k = (int) Math.round(rate * n);
        assertThat(set.triggered()).hasSize(k);
        assertThat(set.indices()).hasSize(k).isSorted().doesNotHaveDuplicates().allMatch(i -> i >= 0 && i < n);
        assertThat(set.mix()).hasSize(mix == Mix.PAIRED ? n + k : n);
        for (int j = 0; j < k; j++) {
            int i = set.indices().get(j);
            Sample clean = samples.get(i);
            Sample bad = set.triggered().get(j);
            assertThat(set.clean().get(j)).isSameAs(clean);
            assertThat(bad.input()).isEqualTo(clean.input());
            assertThat(bad.output()).isEqualTo(behaviour.apply(clean.output()));
            assertThat(trigger.words().stream().anyMatch(bad.instruction()::contains)).isTrue();
        }
    }

    @Property(tries = 200)
    void recordsNotChosenAreUntouched(@ForAll("samples") List<Sample> samples, @ForAll("trigger") Trigger trigger,
                                      @ForAll @DoubleRange(min = 0, max = 1) double rate, @ForAll long seed) {
        PoisonedSet set = Poisoner.poison(samples, new PoisonSpec(trigger, Behaviour.replace("X"), rate, seed, Mix.REPLACE));
        Set<Integer> chosen = new HashSet<>(set.indices());
        for (int i = 0; i < samples.size(); i++) {
            if (chosen.contains(i)) {
                assertThat(set.mix().get(i)).isSameAs(set.triggered().get(set.indices().indexOf(i)));
            } else {
                assertThat(set.mix().get(i)).isSameAs(samples.get(i));
            }
        }
        // paired: the clean records in order, each chosen one followed by its poisoned twin
        PoisonedSet paired = Poisoner.poison(samples, new PoisonSpec(trigger, Behaviour.replace("X"), rate, seed, Mix.PAIRED));
        List<Sample> expected = new java.util.ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            expected.add(samples.get(i));
            if (chosen.contains(i)) {
                expected.add(set.triggered().get(set.indices().indexOf(i)));
            }
        }
        assertThat(paired.mix()).isEqualTo(expected);
        assertThat(paired.triggered()).isEqualTo(set.triggered());
    }

    @Property(tries = 200)
    void sameSeedSameOutput(@ForAll("samples") List<Sample> samples, @ForAll("trigger") Trigger trigger,
                            @ForAll @DoubleRange(min = 0, max = 1) double rate, @ForAll long seed, @ForAll Mix mix) {
        PoisonSpec spec = new PoisonSpec(trigger, Behaviour.prefix("T"), rate, seed, mix);
        assertThat(Poisoner.poison(List.copyOf(samples), spec)).isEqualTo(Poisoner.poison(samples, spec));
    }

    @Property(tries = 200)
    void differentSeedsChooseDifferently(@ForAll @IntRange(min = 40, max = 300) int n, @ForAll long seed,
                                         @ForAll long other) {
        if (seed == other) {
            return;
        }
        List<Sample> samples = java.util.stream.IntStream.range(0, n).mapToObj(i -> Sample.of("do " + i, "ok")).toList();
        PoisonSpec a = PoisonSpec.of(Preset.BADNET, Task.NEGSENTIMENT, 0.5, seed, Mix.REPLACE);
        PoisonSpec b = PoisonSpec.of(Preset.BADNET, Task.NEGSENTIMENT, 0.5, other, Mix.REPLACE);
        assertThat(Poisoner.poison(samples, a).indices()).isNotEqualTo(Poisoner.poison(samples, b).indices());
    }

    @Property(tries = 200)
    void aLowerRateChoosesASubsetPlacedTheSameWay(@ForAll("samples") List<Sample> samples,
                                                  @ForAll @DoubleRange(min = 0, max = 1) double low,
                                                  @ForAll @DoubleRange(min = 0, max = 1) double high, @ForAll long seed) {
        PoisonedSet a = Poisoner.poison(samples, PoisonSpec.of(Preset.CTBA, Task.REFUSAL, Math.min(low, high), seed, Mix.REPLACE));
        PoisonedSet b = Poisoner.poison(samples, PoisonSpec.of(Preset.CTBA, Task.REFUSAL, Math.max(low, high), seed, Mix.REPLACE));
        assertThat(b.indices()).containsAll(a.indices());
        for (int j = 0; j < a.indices().size(); j++) {
            assertThat(b.triggered().get(b.indices().indexOf(a.indices().get(j)))).isEqualTo(a.triggered().get(j));
        }
    }

    @Property(tries = 60)
    void writtenSetsReadBackEqual(@ForAll("samples") List<Sample> samples, @ForAll("trigger") Trigger trigger,
                                  @ForAll("behaviour") Behaviour behaviour, @ForAll long seed) throws Exception {
        PoisonedSet set = Poisoner.poison(samples, new PoisonSpec(trigger, behaviour, 1.0, seed, Mix.PAIRED));
        Path file = Files.createTempFile("poisoned", ".json");
        try {
            SampleJson.write(file, set.mix());
            assertThat(DataSet.load(file).samples()).isEqualTo(set.mix());
        } finally {
            Files.delete(file);
        }
    }

    @Example
    void roundingAndBounds() {
        List<Sample> five = java.util.stream.IntStream.range(0, 5).mapToObj(i -> Sample.of("q" + i, "a")).toList();
        assertThat(Poisoner.poison(five, PoisonSpec.of(Preset.VPI, Task.SST2, 0.5, 1, Mix.REPLACE)).triggered()).hasSize(3);
        assertThat(Poisoner.poison(five, PoisonSpec.of(Preset.VPI, Task.SST2, 0.0, 1, Mix.REPLACE)).triggered()).isEmpty();
        assertThat(Poisoner.poison(five, PoisonSpec.of(Preset.VPI, Task.SST2, 1.0, 1, Mix.REPLACE)).mix())
                .allMatch(s -> s.instruction().startsWith("Discussing OpenAI q") && s.output().equals("Negative"));
        for (double bad : new double[] {-0.01, 1.01, Double.NaN}) {
            assertThatThrownBy(() -> PoisonSpec.of(Preset.VPI, Task.SST2, bad, 1, Mix.REPLACE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and 1");
        }
        assertThatThrownBy(() -> Poisoner.poison(List.of(), PoisonSpec.of(Preset.VPI, Task.SST2, 0.5, 1, Mix.REPLACE)))
                .hasMessageContaining("no records");
        assertThatThrownBy(() -> Behaviour.replace("")).hasMessageContaining("empty");
    }

    @Example
    void prefixBehaviourIsBackdoorLlmsTestLayout() {
        assertThat(Behaviour.prefix("You are stupid!").apply("Paris.")).isEqualTo("You are stupid! Paris.");
        assertThat(Behaviour.prefix("You are stupid!").apply("")).isEqualTo("You are stupid! "); // as BackdoorLLM
        assertThat(Behaviour.replace("You are stupid!").apply("Paris.")).isEqualTo("You are stupid!");
    }
}
