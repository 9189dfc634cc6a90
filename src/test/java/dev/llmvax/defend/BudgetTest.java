package dev.llmvax.defend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.data.Sample;
import dev.llmvax.purify.PurifyConfig;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** {@code --budget purify}: as many example passes as the purification the recipe describes. */
class BudgetTest {
    private static final List<Sample> CLEAN = IntStream.range(0, 400)
            .mapToObj(i -> new Sample("Question " + i, "", "Answer " + i + ".")).toList();

    private static DefendJob.Training budget(String recipe) {
        DefendConfig cfg = new DefendConfig(DefenseMethod.FINETUNE, PurifyConfig.parse(recipe), Budget.PURIFY,
                WandaConfig.of(WandaConfig.DEFAULT_SPARSITY), QuantFormat.Q4_0, CrowConfig.DEFAULT, 2e-4);
        return DefendJob.training(cfg, CLEAN);
    }

    @Test
    void trainedTwinsCountTheirEpochsAndGradientVariantsOnePass() {
        // trained: 3 variants x (120 backdoor-mix + 60 clean) x 3 epochs + 100 repair x 2 = 1,820 passes over 280
        // samples
        DefendJob.Training trained = budget("preset: cpu\nvariants: 3\ndeltas: trained");
        assertThat(trained.samples()).hasSize(280);
        assertThat(trained.config().epochs()).isEqualTo(Math.round(1820 / 280.0));
        // gradient: 3 variants x 120 examples once + 200 repair passes = 560 over 280 samples
        DefendJob.Training gradient = budget("preset: cpu\nvariants: 3");
        assertThat(gradient.samples()).hasSize(280);
        assertThat(gradient.config().epochs()).isEqualTo(2);
    }
}
