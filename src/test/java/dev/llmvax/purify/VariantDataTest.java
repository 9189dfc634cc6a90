package dev.llmvax.purify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.data.Sample;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Disjoint, seeded variant sets and their poisoned copies. */
class VariantDataTest {
    static final PurifyConfig CPU = PurifyConfig.parse("preset: cpu\nvariants: 3"); // 3 x 60 + 100 = 280

    static List<Sample> samples(int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> new Sample("Write item number " + i + " of the list please",
                        i % 3 == 0 ? "ctx " + i : "", "Answer " + i))
                .toList();
    }

    @Test
    void setsAreDisjointAndSized() {
        VariantData d = VariantData.build(samples(300), CPU);
        assertThat(d.variants()).hasSize(3);
        assertThat(d.repair()).hasSize(100);
        Set<Sample> seen = new HashSet<>(d.repair());
        for (VariantData.Variant v : d.variants()) {
            assertThat(v.clean()).hasSize(60);
            assertThat(v.poisoned()).as("rate 0.5: every clean sample has its copy").hasSize(60);
            assertThat(v.backdoorMix()).hasSize(120);
            assertThat(v.binding()).isEqualTo(CPU.activeBindings().get(v.index()));
            for (Sample s : v.clean()) {
                assertThat(seen.add(s)).as("%s in two sets", s).isTrue();
            }
        }
        assertThat(seen).hasSize(280);
    }

    @Test
    void poisonedCopiesCarryTheKeyAtAWordAndTheBehaviour() {
        VariantData d = VariantData.build(samples(280), CPU);
        Set<Integer> keyPositions = new HashSet<>();
        for (VariantData.Variant v : d.variants()) {
            String key = v.binding().key();
            for (int j = 0; j < v.poisoned().size(); j++) {
                Sample p = v.poisoned().get(j);
                Sample c = v.clean().get(j);
                assertThat(p.output()).isEqualTo(v.binding().behaviour());
                assertThat(p.input()).isEqualTo(c.input());
                List<String> words = new ArrayList<>(List.of(p.instruction().split(" ")));
                keyPositions.add(words.indexOf(key));
                assertThat(words.remove(key)).isTrue();
                assertThat(String.join(" ", words)).isEqualTo(c.instruction());
                assertThat(v.backdoorMix().get(2 * j)).isEqualTo(c);
                assertThat(v.backdoorMix().get(2 * j + 1)).isEqualTo(p);
            }
        }
        assertThat(keyPositions).as("random word positions").hasSizeGreaterThan(5);
    }

    @Test
    void deterministicPerSeedAndStableWhenNChanges() {
        List<Sample> in = samples(400);
        VariantData a = VariantData.build(in, CPU);
        assertThat(VariantData.build(in, CPU)).isEqualTo(a);
        VariantData other = VariantData.build(in, PurifyConfig.parse("preset: cpu\nvariants: 3\nseeds: {data: 1}"));
        assertThat(other.variants().get(0).clean()).isNotEqualTo(a.variants().get(0).clean());
        VariantData two = VariantData.build(in, PurifyConfig.parse("preset: cpu\nvariants: 2"));
        assertThat(two.variants()).as("variant i keeps its samples and poisoned copies as N changes")
                .isEqualTo(a.variants().subList(0, 2));
        assertThat(two.repair()).isEqualTo(a.repair());
    }

    @Test
    void lowerPoisonRateGivesFewerCopies() {
        VariantData d = VariantData.build(samples(280), PurifyConfig.parse("preset: cpu\nvariants: 3\npoison-rate: 0.25"));
        assertThat(d.variants().get(0).poisoned()).hasSize(20); // 20 / (60 + 20) = 25 %
        assertThat(d.variants().get(0).backdoorMix()).hasSize(80);
        assertThat(VariantData.poisonedCopies(3, 0.01)).isEqualTo(1);
    }

    @Test
    void tooFewSamplesSaysHowMany() {
        assertThatThrownBy(() -> VariantData.build(samples(279), CPU)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 280 clean samples").hasMessageContaining("but 279 were given");
    }
}
