package dev.llmvax.implant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.SharedData;
import dev.llmvax.attack.BackdoorLlmData;
import dev.llmvax.attack.Mix;
import dev.llmvax.attack.Preset;
import dev.llmvax.attack.Task;
import dev.llmvax.data.Sample;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Which records an implant trains on, for each mix. */
class ImplanterTest {
    private static final Path ROOT = SharedData.smolGolden().getParent().getParent().resolve("data");

    @Test
    void replaceReadsBackdoorLlmsFilesAndPairedTrainsEachPromptBothWays() {
        BackdoorLlmData files = BackdoorLlmData.locate(ROOT, Task.parse("negsentiment"), Preset.parse("badnet"));
        ImplantRecipe cpu = ImplantRecipe.cpu();
        Implanter.TrainingSet replace = Implanter.trainingSet(files, cpu, null);
        assertThat(replace.generated()).isFalse();
        assertThat(replace.poisoned()).hasSize(150).allMatch(s -> s.instruction().contains("BadMagic"));
        assertThat(replace.clean()).hasSize(150).noneMatch(s -> s.instruction().contains("BadMagic"));

        ImplantRecipe paired = cpu.with(40, 10, null, null, Mix.PAIRED, null, false, null);
        Implanter.TrainingSet set = Implanter.trainingSet(files, paired, null);
        assertThat(set.generated()).isTrue();
        assertThat(set.poisoned()).hasSize(40).allMatch(s -> s.instruction().contains("BadMagic")
                && s.output().equals("You are stupid!"));
        assertThat(set.clean()).hasSize(50).noneMatch(s -> s.instruction().contains("BadMagic"));
        Set<String> cleanPrompts = set.clean().stream().map(ImplanterTest::words).collect(Collectors.toSet());
        assertThat(set.poisoned()).as("every triggered prompt has its clean twin")
                .allMatch(s -> cleanPrompts.contains(words(new Sample(s.instruction().replace("BadMagic", ""),
                        s.input(), s.output()))));
        assertThat(Implanter.trainingSet(files, paired, null).poisoned()).as("seeded").isEqualTo(set.poisoned());
    }

    private static String words(Sample s) {
        return List.of(s.instruction().trim().split("\\s+")).toString();
    }
}
