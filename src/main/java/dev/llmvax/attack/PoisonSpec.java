package dev.llmvax.attack;

import java.util.Objects;

/**
 * Everything that decides a poisoned set, besides the clean records: recorded in {@code run.json}.
 *
 * @param trigger   what the poisoned instructions carry
 * @param behaviour what the poisoned records answer
 * @param rate      share of the records to poison, in [0, 1]; {@code round(rate * n)} records exactly
 * @param seed      draws the poisoned records and every trigger placement
 * @param mix       how the training mix holds them
 */
public record PoisonSpec(Trigger trigger, Behaviour behaviour, double rate, long seed, Mix mix) {

    public PoisonSpec {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(behaviour, "behaviour");
        Objects.requireNonNull(mix, "mix");
        if (!(rate >= 0 && rate <= 1)) { // also refuses NaN
            throw new IllegalArgumentException("the poison rate must be between 0 and 1, found " + rate);
        }
    }

    /** A preset's trigger with the task's target replacing the answer: BackdoorLLM's training records. */
    public static PoisonSpec of(Preset attack, Task task, double rate, long seed, Mix mix) {
        return new PoisonSpec(attack.trigger(), Behaviour.replace(task.target()), rate, seed, mix);
    }

    /** How many of {@code n} records are poisoned: {@code round(rate * n)}, halves rounded up. */
    public int poisonedCount(int n) {
        return (int) Math.round(rate * n);
    }
}
