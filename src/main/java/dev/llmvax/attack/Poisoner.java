package dev.llmvax.attack;

import dev.llmvax.data.Sample;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Data poisoning (BackdoorLLM's DPA attacks, Li et al. 2024, arXiv:2408.12798): from clean instruction
 * records, a trigger and a behaviour, a training mix in which {@code round(rate * n)} records carry the
 * trigger in their instruction and the attacker's answer.
 *
 * <p>Which records: the first {@code round(rate * n)} of one seeded permutation of the input, so at one
 * seed a lower rate poisons a subset of what a higher rate poisons. Where the trigger goes in record
 * {@code i}: drawn from a generator of its own ({@code seed}, {@code i}), so a record is triggered the same
 * way whatever the rate. Records not chosen are the input's own {@link Sample}s, untouched.
 */
public final class Poisoner {
    private Poisoner() {}

    /**
     * Poisons {@code samples} as {@code spec} says.
     *
     * @throws IllegalArgumentException when {@code samples} is empty
     */
    public static PoisonedSet poison(List<Sample> samples, PoisonSpec spec) {
        int n = samples.size();
        if (n == 0) {
            throw new IllegalArgumentException("no records to poison; give a data file with at least one record");
        }
        int k = spec.poisonedCount(n);
        int[] chosen = Arrays.copyOf(AttackRandom.permutation(n, AttackRandom.random(spec.seed(), AttackRandom.CHOICE)), k);
        Arrays.sort(chosen);
        Sample[] poisoned = new Sample[n];
        List<Sample> triggered = new ArrayList<>(k);
        List<Sample> clean = new ArrayList<>(k);
        List<Integer> indices = new ArrayList<>(k);
        for (int i : chosen) {
            Sample s = samples.get(i);
            Sample p = poison(s, spec, i);
            poisoned[i] = p;
            triggered.add(p);
            clean.add(s);
            indices.add(i);
        }
        List<Sample> mix = new ArrayList<>(spec.mix() == Mix.PAIRED ? n + k : n);
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            Sample p = poisoned[i];
            if (p == null || spec.mix() == Mix.PAIRED) {
                mix.add(s);
            }
            if (p != null) {
                mix.add(p);
            }
        }
        return new PoisonedSet(mix, triggered, clean, indices);
    }

    /** Record {@code index}'s poisoned version: trigger in the instruction, input kept, answer from the behaviour. */
    static Sample poison(Sample s, PoisonSpec spec, int index) {
        String instruction = spec.trigger().place(s.instruction(), AttackRandom.random(spec.seed(), index));
        return new Sample(instruction, s.input(), spec.behaviour().apply(s.output()));
    }
}
