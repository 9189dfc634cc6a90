package dev.llmvax.defend;

import dev.llmvax.purify.PurifyConfig;
import java.util.Objects;

/**
 * One baseline defense run: the method and its settings. The clean data and fine-tunes follow a purify recipe
 * ({@code recipe}), so a baseline and {@code llmvax purify} with the same preset see the same samples.
 *
 * @param recipe the purify preset whose repair (samples, epochs, lr, mode) and data split the training
 *               defenses reuse
 * @param budget how much a training defense trains
 * @param wanda  pruning settings (wanda, fine-pruning)
 * @param format the rounding format (quantize)
 * @param crow   CROW's regulariser
 * @param crowLr CROW's LoRA learning rate: 2e-4 (the paper's standard) or 1e-3 (CROW's own)
 */
public record DefendConfig(DefenseMethod method, PurifyConfig recipe, Budget budget, WandaConfig wanda,
                           QuantFormat format, CrowConfig crow, double crowLr) {

    public DefendConfig {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(budget, "budget");
        Objects.requireNonNull(wanda, "wanda");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(crow, "crow");
        if (!(crowLr > 0)) {
            throw new IllegalArgumentException("the CROW learning rate must be positive, got " + crowLr);
        }
    }

    /** The standard LoRA learning rate of the method paper's baselines, CROW's default here. */
    public static final double STANDARD_LR = 2e-4;
}
