package dev.llmvax.defend;

import static dev.llmvax.defend.DefendFixtures.C;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmvax.SharedData;
import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.ChatFormat;
import dev.llmvax.data.EncodeOptions;
import dev.llmvax.data.Example;
import dev.llmvax.data.Sample;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LlamaModel.Projection;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Precision;
import dev.llmvax.model.Tensors;
import dev.llmvax.model.TinyModels;
import dev.llmvax.purify.Matrix;
import dev.llmvax.purify.MatrixId;
import dev.llmvax.tokenizer.ChatTemplate;
import dev.llmvax.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** The norms against a direct computation from the full projection inputs, row independence, bad input. */
class ActivationNormsTest {
    static final List<int[]> ROWS = DefendFixtures.rows(11, 5, 24, C.vocabSize());

    /** sqrt(Σ x_j²) per feature of {@code p}'s input in {@code layer}, from the whole inputs copied out, in double. */
    static double[] direct(LlamaModel m, List<int[]> rows, int layer, Projection p) {
        double[][] sum = new double[1][];
        LlamaModel.ProjectionHook record = (l, proj, in, out) -> {
            if (l == layer && proj == p) {
                int width = (int) in.size(-1);
                float[] x = Tensors.toFloats(in); // (1, T, width), row-major
                if (sum[0] == null) {
                    sum[0] = new double[width];
                }
                for (int i = 0; i < x.length; i++) {
                    sum[0][i % width] += (double) x[i] * x[i];
                }
            }
            return out;
        };
        try (InferenceMode guard = new InferenceMode()) {
            for (int[] row : rows) {
                try (PointerScope scope = new PointerScope()) {
                    m.hiddenStates(Tensors.fromInts(row, 1, row.length).to(m.device(), ScalarType.Long), record);
                }
            }
        }
        return java.util.Arrays.stream(sum[0]).map(Math::sqrt).toArray();
    }

    static void assertClose(float[] actual, double[] expected, String what) {
        assertThat(actual).as(what).hasSize(expected.length);
        for (int j = 0; j < expected.length; j++) {
            assertThat((double) actual[j]).as(what + " feature " + j).isCloseTo(expected[j], within(1e-5 * (1 + expected[j])));
        }
    }

    @Test
    void equalsTheNormsOfTheFullInputs() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            AtomicInteger progress = new AtomicInteger();
            ActivationNorms norms = ActivationNorms.collect(m, ROWS, progress::addAndGet);
            assertThat(progress.get()).isEqualTo(ROWS.size());
            assertThat(norms.rows()).isEqualTo(ROWS.size());
            assertThat(norms.tokens()).isEqualTo(ROWS.stream().mapToLong(r -> r.length).sum());
            assertThat(norms.layers()).isEqualTo(2);
            for (Projection p : Projection.values()) {
                for (int l = 0; l < 2; l++) {
                    assertClose(norms.norms(l, p), direct(m, ROWS, l, p), "layer " + l + " " + p);
                }
            }
            assertThat(norms.norms(new MatrixId(1, Matrix.DOWN))).hasSize(64); // the SwiGLU activation's width
            assertThat(norms.norms(new MatrixId(0, Matrix.O))).hasSize(C.qDim());
            // q/k/v share one input, gate/up another
            assertThat(norms.norms(new MatrixId(1, Matrix.K))).containsExactly(norms.norms(new MatrixId(1, Matrix.Q)));
            assertThat(norms.norms(new MatrixId(1, Matrix.UP)))
                    .containsExactly(norms.norms(new MatrixId(1, Matrix.GATE)));
        }
    }

    @Test
    void rowsCountIndependentlySoNoPaddingCanEnter() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            int[] shortRow = {5, 6};
            int[] longRow = ROWS.get(0).length > 2 ? ROWS.get(0) : new int[] {1, 2, 3, 4, 5};
            float[] a = ActivationNorms.collect(m, List.of(shortRow), n -> { }).norms(1, Projection.DOWN);
            float[] b = ActivationNorms.collect(m, List.of(longRow), n -> { }).norms(1, Projection.DOWN);
            ActivationNorms both = ActivationNorms.collect(m, List.of(shortRow, longRow), n -> { });
            double[] expected = new double[a.length];
            for (int j = 0; j < a.length; j++) {
                expected[j] = Math.sqrt((double) a[j] * a[j] + (double) b[j] * b[j]);
            }
            assertClose(both.norms(1, Projection.DOWN), expected, "two rows");
        }
    }

    @Test
    void bf16ModelNormsAreFloat32Sums() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.BF16)) {
            ActivationNorms norms = ActivationNorms.collect(m, ROWS, n -> { });
            assertClose(norms.norms(0, Projection.GATE_UP), direct(m, ROWS, 0, Projection.GATE_UP), "bf16 gate/up");
        }
    }

    @Test
    void anEmptyCalibrationSetIsRejected() {
        try (LlamaModel m = TinyModels.model(C, 3, Precision.F32)) {
            assertThatThrownBy(() -> ActivationNorms.collect(m, List.of(), n -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty calibration set");
            assertThatThrownBy(() -> ActivationNorms.collect(m, List.of(new int[0]), n -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty calibration set");
        }
    }

    @Test
    void samplesAreRenderedWithTheChatTemplatePromptAndAnswer() throws Exception {
        Path golden = SharedData.smolGolden();
        LlamaConfig c = LlamaConfig.tiny(49152, 32, 2, 4, 2, 64); // SmolLM2's vocabulary
        List<Sample> samples = List.of(Sample.of("Name a colour.", "Blue."),
                new Sample("Add the numbers.", "2 and 3", "5"), Sample.of("Say hi.", "Hi there, how can I help?"));
        ChatTemplate template = new ChatTemplate(Files.readString(golden.resolve("chat_template.jinja")));
        try (LoadedModel lm = new LoadedModel(TinyModels.model(c, 2, Precision.F32),
                Tokenizer.fromJsonFile(golden.resolve("tokenizer.json")), Optional.of(template), golden, "hf",
                Map.of(), List.of(), "<|im_start|>", "<|im_end|>", Set.of(2), new ObjectMapper().createObjectNode())) {
            ChatEncoder encoder = new ChatEncoder(lm.tokenizer(), ChatFormat.of(template, "<|im_start|>",
                    "<|im_end|>"), EncodeOptions.maxLength(512));
            List<int[]> rows = new ArrayList<>();
            for (Example e : encoder.encodeAll(samples).examples()) {
                rows.add(e.ids());
                assertThat(e.answerTokens()).isPositive(); // the answer is in the row, not only the prompt
            }
            ActivationNorms fromSamples = ActivationNorms.collect(lm, samples, 512, n -> { });
            ActivationNorms fromIds = ActivationNorms.collect(lm.model(), rows, n -> { });
            assertThat(fromSamples.tokens()).isEqualTo(fromIds.tokens());
            assertThat(fromSamples.norms(1, Projection.DOWN)).containsExactly(fromIds.norms(1, Projection.DOWN));

            // cut at maxLength as the trainer cuts: one answer token past the longest prompt
            List<Example> full = encoder.encodeAll(samples).examples();
            int cut = full.stream().mapToInt(Example::answerStart).max().orElseThrow() + 1;
            assertThat(ActivationNorms.collect(lm, samples, cut, n -> { }).tokens())
                    .isEqualTo(full.stream().mapToLong(e -> Math.min(e.length(), cut)).sum())
                    .isLessThan(fromIds.tokens());
            assertThatThrownBy(() -> ActivationNorms.collect(lm, List.of(), 512, n -> { }))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty calibration set");
        }
    }
}
