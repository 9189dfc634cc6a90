package dev.llmvax.purify;

import dev.llmvax.attack.Behaviour;
import dev.llmvax.attack.Mix;
import dev.llmvax.attack.PoisonSpec;
import dev.llmvax.attack.PoisonedSet;
import dev.llmvax.attack.Poisoner;
import dev.llmvax.attack.Position;
import dev.llmvax.attack.Trigger;
import dev.llmvax.data.Sample;
import dev.llmvax.purify.PurifyConfig.Binding;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * Stage 1's data (method.md §3 step 1): per variant i a clean set D_clean_i and its poisoned copies D_pois_i
 * (key at a random word position of the instruction, answer replaced by the behaviour), plus a repair set, all
 * disjoint.
 *
 * <p>Which samples: one permutation of the input drawn from {@code seeds.data}; variant i takes positions
 * {@code [i n, (i+1) n)} and repair the <i>last</i> {@code repair.samples} positions, so changing N or the
 * repair size leaves the other sets as they were. Disjoint by position: duplicated input records stay
 * duplicated. Poisoning goes through {@link Poisoner} with a seed per variant, drawn from the same stream.
 *
 * @param variants one per active binding, in binding order
 * @param repair   the repair fine-tune's clean samples
 */
public record VariantData(List<Variant> variants, List<Sample> repair) {

    public VariantData {
        variants = List.copyOf(variants);
        repair = List.copyOf(repair);
    }

    /**
     * One variant's data.
     *
     * @param index       0-based, the binding's position
     * @param clean       D_clean_i: what the clean twin trains on
     * @param poisoned    D_pois_i: poisoned copies of some of {@code clean} (all of them at poison-rate 0.5)
     * @param backdoorMix D_clean_i ∪ D_pois_i, each copy right after its clean record: what the backdoor twin
     *                    trains on
     */
    public record Variant(int index, Binding binding, List<Sample> clean, List<Sample> poisoned,
                          List<Sample> backdoorMix) {
        public Variant {
            clean = List.copyOf(clean);
            poisoned = List.copyOf(poisoned);
            backdoorMix = List.copyOf(backdoorMix);
        }
    }

    /**
     * Splits {@code samples} and poisons the variants' sets as {@code cfg} says; the same input and config give
     * the same sets.
     *
     * @throws IllegalArgumentException when there are fewer samples than {@link PurifyConfig#totalCleanSamples()}
     */
    public static VariantData build(List<Sample> samples, PurifyConfig cfg) {
        int n = cfg.samplesPerVariant();
        int need = cfg.totalCleanSamples();
        if (samples.size() < need) {
            throw new IllegalArgumentException("the purifier needs " + need + " clean samples (" + cfg.variants()
                    + " variants x " + n + " + " + cfg.repair().samples() + " for repair), but " + samples.size()
                    + " were given: give more data or lower samples-per-variant, variants or repair.samples");
        }
        Random random = new Random(cfg.seeds().data());
        List<Integer> order = new ArrayList<>(IntStream.range(0, samples.size()).boxed().toList());
        Collections.shuffle(order, random); // its algorithm is specified, so the split is the same on every JVM
        List<Variant> variants = new ArrayList<>();
        for (int i = 0; i < cfg.variants(); i++) {
            List<Sample> clean = pick(samples, order.subList(i * n, (i + 1) * n));
            variants.add(poison(i, cfg.activeBindings().get(i), clean, cfg.poisonRate(), random.nextLong()));
        }
        List<Sample> repair = pick(samples, order.subList(order.size() - cfg.repair().samples(), order.size()));
        return new VariantData(variants, repair);
    }

    /**
     * How many poisoned copies make {@code rate} of the backdoor mix over {@code n} clean samples:
     * {@code k / (n + k) = rate}, so {@code k = round(n rate / (1 - rate))}, between 1 and n.
     */
    static int poisonedCopies(int n, double rate) {
        long k = Math.round(n * rate / (1 - rate));
        return (int) Math.max(1, Math.min(n, k));
    }

    private static Variant poison(int index, Binding b, List<Sample> clean, double rate, long seed) {
        int k = poisonedCopies(clean.size(), rate);
        PoisonSpec spec = new PoisonSpec(Trigger.of(b.key(), Position.RANDOM_WORD), Behaviour.replace(b.behaviour()),
                (double) k / clean.size(), seed, Mix.PAIRED);
        PoisonedSet set = Poisoner.poison(clean, spec);
        return new Variant(index, b, clean, set.triggered(), set.mix());
    }

    private static List<Sample> pick(List<Sample> samples, List<Integer> positions) {
        return positions.stream().map(samples::get).toList();
    }
}
