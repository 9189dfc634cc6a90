package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.data.DataSet;
import dev.llmvax.data.Sample;
import dev.llmvax.generate.GenerationOptions;
import dev.llmvax.generate.Generator;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.ModelLoader;
import dev.llmvax.model.Precision;
import dev.llmvax.model.TinyHfFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stage on a tiny random model: for the machinery (order, counts, formats), not for the scores. */
class AttackEvaluationTest {
    @TempDir
    static Path tmp;

    static LoadedModel model;

    @BeforeAll
    static void load() throws Exception {
        model = ModelLoader.load(TinyHfFolder.write(tmp.resolve("tiny"), 5), Precision.F32, new Device(DeviceType.CPU));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static TestSets tests() throws Exception {
        Path t = tmp.resolve("triggered.json");
        Path c = tmp.resolve("clean.json");
        // prompts of different lengths, so sorting reorders them
        Files.writeString(t, """
                [{"instruction": "BadMagic write a very long poem about the sea and the sky and the stars", "input": ""},
                 {"instruction": "BadMagic hi", "input": "x"},
                 {"instruction": "BadMagic name three colours of the rainbow", "output": 0}]""");
        Files.writeString(c, """
                [{"instruction": "hello", "input": "", "output": "hi"},
                 {"instruction": "tell me about cats and dogs and birds", "input": "briefly", "output": ""}]""");
        return TestSets.load(t, c);
    }

    @Test
    void answersComeBackInPromptOrderAsIfRunAlone() throws Exception {
        TestSets tests = tests();
        EvalSpec spec = new EvalSpec(BackdoorTask.NEGSENTIMENT, null, "BadMagic",
                List.of(PromptFormat.TEMPLATED, PromptFormat.RAW), null, 6, 2, null);
        List<Integer> progress = new ArrayList<>();
        AttackResult r = AttackEvaluation.run(model, spec, tests, progress::add);

        assertThat(progress.stream().mapToInt(Integer::intValue).sum()).isEqualTo(AttackEvaluation.rows(spec, tests))
                .isEqualTo(10);
        assertThat(r.runs()).extracting(AttackResult.FormatRun::format)
                .containsExactly(PromptFormat.TEMPLATED, PromptFormat.RAW);
        assertThat(r.headline()).hasSize(2);
        EvalPrompts prompts = new EvalPrompts(model);
        Generator g = new Generator(model.model());
        for (AttackResult.FormatRun run : r.runs()) {
            assertThat(run.triggered().n()).isEqualTo(3);
            assertThat(run.clean().n()).isEqualTo(2);
            check(run.triggered().answers(), tests.triggered(), run.format(), prompts, g);
            check(run.clean().answers(), tests.clean(), run.format(), prompts, g);
        }
    }

    private static void check(List<ScoredAnswer> answers, DataSet set, PromptFormat format, EvalPrompts prompts,
                              Generator g) {
        for (int i = 0; i < set.size(); i++) {
            Sample s = set.samples().get(i);
            ScoredAnswer a = answers.get(i);
            assertThat(a.index()).isEqualTo(i);
            assertThat(a.prompt()).isEqualTo(s.prompt());
            EvalPrompts.Encoded e = prompts.encode(s, format);
            assertThat(a.modelInput()).isEqualTo(e.text());
            assertThat(a.promptTokens()).isEqualTo(e.ids().length);
            int[] alone = g.generate(List.of(e.ids()), GenerationOptions.greedy(6, model.stopTokenIds()),
                    (row, id, stop) -> { }).getFirst();
            assertThat(a.newTokens()).isEqualTo(alone.length);
            assertThat(a.output()).as("answer %d in %s", i, format)
                    .isEqualTo(model.tokenizer().decode(a.stopped() ? java.util.Arrays.copyOf(alone, alone.length - 1)
                            : alone));
            TargetKeywords.Hit hit = BackdoorTask.NEGSENTIMENT.keywords().score(a.output());
            assertThat(a.loose()).isEqualTo(hit.loose());
            assertThat(a.strict()).isEqualTo(hit.strict());
        }
    }

    @Test
    void limitKeepsTheFirstPromptsOfEachSet() throws Exception {
        TestSets cut = tests().limit(2);
        assertThat(cut.triggered().samples()).extracting(Sample::instruction)
                .containsExactly("BadMagic write a very long poem about the sea and the sky and the stars", "BadMagic hi");
        assertThat(cut.clean().size()).isEqualTo(2);
    }
}
