package dev.llmvax.implant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.SharedData;
import dev.llmvax.attack.BackdoorLlmData;
import dev.llmvax.attack.Mix;
import dev.llmvax.attack.Preset;
import dev.llmvax.attack.Task;
import dev.llmvax.data.Sample;
import dev.llmvax.eval.BatchedGeneration;
import dev.llmvax.eval.EvalPrompts;
import dev.llmvax.eval.PromptFormat;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyHfFolder;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which records an implant trains on, for each mix. */
class ImplanterTest {
    @TempDir
    Path tmp;

    private static final Path ROOT = SharedData.smolGolden().getParent().getParent().resolve("data");

    @Test
    void replaceReadsBackdoorLlmsFilesAndPairedTrainsEachPromptBothWays() {
        BackdoorLlmData files = BackdoorLlmData.locate(ROOT, Task.parse("negsentiment"), Preset.parse("badnet"));
        ImplantRecipe cpu = ImplantRecipe.cpuV1();
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

    @Test
    void modelAnswersReplaceOnlyTheCleanAnswersWithTheModelsOwnGreedyOnes() throws Exception {
        Path dir = TinyHfFolder.write(tmp.resolve("tiny"), 3);
        BackdoorLlmData files = BackdoorLlmData.locate(ROOT, Task.parse("negsentiment"), Preset.parse("badnet"));
        ImplantRecipe recipe = ImplantRecipe.cpu().with(4, 3, null, null, null, null, false, null);
        assertThat(recipe.answers()).as("the default recipe asks for the model's answers").isEqualTo(CleanAnswers.MODEL);
        assertThat(recipe.mix()).isEqualTo(Mix.PAIRED);
        Implanter.TrainingSet set = Implanter.trainingSet(files, recipe.with(null, null, null, null, Mix.REPLACE, null,
                false, null), null);
        try (LoadedModel m = ModelLoader.load(dir, Precision.F32, new Device(DeviceType.CPU))) {
            int[] done = {0};
            Implanter.TrainingSet own = Implanter.withModelAnswers(m, set, 6, n -> done[0] += n);
            assertThat(done[0]).isEqualTo(3);
            assertThat(own.poisoned()).as("the attacker's answers stay").isEqualTo(set.poisoned());
            assertThat(own.clean()).hasSize(3);
            EvalPrompts prompts = new EvalPrompts(m);
            for (int i = 0; i < 3; i++) {
                Sample before = set.clean().get(i);
                Sample after = own.clean().get(i);
                assertThat(after.instruction()).isEqualTo(before.instruction());
                assertThat(after.input()).isEqualTo(before.input());
                List<BatchedGeneration.Answer> one = BatchedGeneration.run(m,
                        List.of(prompts.encode(before, PromptFormat.TEMPLATED).ids()), 6, 1, n -> { });
                assertThat(after.output()).as("greedy, batched like one at a time").isEqualTo(one.getFirst().text());
                assertThat(after.output()).isNotEqualTo(before.output());
            }
        }
        assertThat(CleanAnswers.parse("MODEL")).isEqualTo(CleanAnswers.MODEL);
        assertThatThrownBy(() -> CleanAnswers.parse("teacher")).hasMessageContaining("data, model");
    }

    private static String words(Sample s) {
        return List.of(s.instruction().trim().split("\\s+")).toString();
    }
}
