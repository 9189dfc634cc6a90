package dev.llmvax.purify;

import dev.llmvax.data.Sample;
import dev.llmvax.defend.ActivationNorms;
import dev.llmvax.model.LlamaModel.Projection;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Tensors;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The MLP channels a model leans on most for clean text, which {@code protect} keeps out of the signature.
 *
 * <p>A channel c of layer l adds down[:, c] · h_c to the residual stream, h_c being its SwiGLU activation. Its
 * importance is ||h_c||₂ over the calibration tokens times ||down[:, c]||₂ (Wanda's |W|·||X|| per channel rather
 * than per weight): how much of the residual stream it writes on clean text. A gate row, an up row and a down
 * column of the same c all cut that one channel, so one mask per layer serves all three.
 */
public final class ChannelImportance {
    private ChannelImportance() {}

    /**
     * Per layer, the top {@code fraction} of intermediate channels by importance on {@code calibration}
     * (chat-templated prompt and answer, cut at {@code maxLen} tokens); {@code Signature.count} rounding.
     */
    public static boolean[][] mostUsed(LoadedModel model, List<Sample> calibration, int maxLen, double fraction,
                                       IntConsumer rowDone) {
        ActivationNorms norms = ActivationNorms.collect(model, calibration, maxLen, rowDone);
        int layers = model.model().config().numLayers();
        boolean[][] out = new boolean[layers][];
        Map<String, Tensor> weights = model.model().weights();
        try (InferenceMode guard = new InferenceMode()) {
            for (int l = 0; l < layers; l++) {
                MatrixId down = new MatrixId(l, Matrix.DOWN);
                float[] columns;
                try (PointerScope scope = new PointerScope()) {
                    Tensor w = weights.get(down.weightName()).to(ScalarType.Float); // (hidden, intermediate)
                    columns = Tensors.toFloats(w.mul(w).sum(new long[] {0}, false, new ScalarTypeOptional()).sqrt());
                }
                float[] activation = norms.norms(l, Projection.DOWN);
                float[] importance = new float[columns.length];
                for (int c = 0; c < columns.length; c++) {
                    importance[c] = activation[c] * columns[c];
                }
                out[l] = new boolean[columns.length];
                for (int c : Signature.top(importance, Signature.count(columns.length, fraction), down)) {
                    out[l][c] = true;
                }
            }
        } finally {
            weights.values().forEach(Tensor::close);
        }
        return out;
    }
}
