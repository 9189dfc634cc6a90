package dev.llmvax.defend;

import dev.llmvax.data.ChatEncoder;
import dev.llmvax.data.Example;
import dev.llmvax.data.Sample;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LlamaModel.Projection;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.Matrix;
import dev.llmvax.purify.MatrixId;
import dev.llmvax.train.FineTune;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Wanda's activation statistic (Sun et al. 2023, §3, "Pruning metric"): for every layer and every projection
 * input, the L2 norm over all calibration tokens of each input feature, ||X_j||_2 = sqrt(Σ_tokens x_j²).
 *
 * <p>One norm vector per {@link Projection}: q/k/v read the same normed hidden state (QKV), gate/up the same
 * post-attention normed state (GATE_UP); o reads the attention output, down the SwiGLU activation (width
 * intermediate). Sums of squares accumulate in float32 whatever the compute dtype. Rows run one at a time, so no
 * padding ever counts.
 *
 * <p>A plain value once built: the norms live in Java arrays, nothing native to close.
 */
public final class ActivationNorms {
    private final float[][][] norms; // [layer][projection ordinal] -> (in) ||X_j||_2
    private final int rows;
    private final long tokens;

    private ActivationNorms(float[][][] norms, int rows, long tokens) {
        this.norms = norms;
        this.rows = rows;
        this.tokens = tokens;
    }

    /**
     * Runs {@code rows} through {@code model} (no gradients) and collects the norms.
     *
     * @param rows    token-id rows, each a whole sequence (no padding)
     * @param rowDone told 1 after each row, for progress
     * @throws IllegalArgumentException "empty calibration set" when there are no rows (or only empty ones)
     */
    public static ActivationNorms collect(LlamaModel model, List<int[]> rows, IntConsumer rowDone) {
        if (rows.stream().allMatch(r -> r.length == 0)) {
            throw new IllegalArgumentException("empty calibration set: Wanda needs clean calibration text to "
                    + "measure activation norms");
        }
        int layers = model.config().numLayers();
        Projection[] projections = Projection.values();
        float[][][] out = new float[layers][projections.length][];
        long tokens = 0;
        try (InferenceMode guard = new InferenceMode(); PointerScope outer = new PointerScope()) {
            Tensor[][] sumSq = new Tensor[layers][projections.length]; // (in) float32, on the model's device
            TensorOptions f32 = new TensorOptions(ScalarType.Float)
                    .device(new org.bytedeco.pytorch.DeviceOptional(model.device()));
            for (int l = 0; l < layers; l++) {
                for (Projection p : projections) {
                    sumSq[l][p.ordinal()] = torch.zeros(new long[] {inputWidth(model.config(), p)}, f32);
                }
            }
            LlamaModel.ProjectionHook hook = (layer, p, in, o) -> {
                Tensor x = in.reshape(-1, in.size(-1)).to(ScalarType.Float); // (tokens, in)
                sumSq[layer][p.ordinal()].add_(x.mul(x).sum(new long[] {0}, false, new ScalarTypeOptional()));
                return o; // unchanged: the hook only watches
            };
            for (int[] row : rows) {
                if (row.length == 0) {
                    continue;
                }
                try (PointerScope scope = new PointerScope()) {
                    Tensor ids = Tensors.fromInts(row, 1, row.length).to(model.device(), ScalarType.Long); // (1, T)
                    model.hiddenStates(ids, hook);
                }
                tokens += row.length;
                rowDone.accept(1);
            }
            for (int l = 0; l < layers; l++) {
                for (Projection p : projections) {
                    float[] ss = Tensors.toFloats(sumSq[l][p.ordinal()]);
                    for (int j = 0; j < ss.length; j++) {
                        ss[j] = (float) Math.sqrt(ss[j]);
                    }
                    out[l][p.ordinal()] = ss;
                }
            }
        }
        return new ActivationNorms(out, (int) rows.stream().filter(r -> r.length > 0).count(), tokens);
    }

    /**
     * Renders {@code samples} with the model's chat template (prompt and answer, as the trainer does), cuts each
     * at {@code maxLength} tokens, and collects the norms over them.
     *
     * @throws IllegalArgumentException on an empty list ("empty calibration set") or a model without a template
     */
    public static ActivationNorms collect(LoadedModel model, List<Sample> samples, int maxLength,
                                          IntConsumer rowDone) {
        if (samples.isEmpty()) {
            throw new IllegalArgumentException("empty calibration set: Wanda needs clean calibration samples to "
                    + "measure activation norms");
        }
        ChatEncoder encoder = FineTune.encoder(model, maxLength);
        List<int[]> rows = new ArrayList<>();
        for (Example e : encoder.encodeAll(samples).examples()) {
            rows.add(e.ids());
        }
        return collect(model.model(), rows, rowDone);
    }

    /** Input features of projection {@code p}. */
    static long inputWidth(LlamaConfig c, Projection p) {
        return switch (p) {
            case QKV, GATE_UP -> c.hiddenSize();
            case O -> c.qDim();
            case DOWN -> c.intermediateSize();
        };
    }

    /** The projection whose input {@code m} reads: q/k/v share QKV's, gate/up share GATE_UP's. */
    public static Projection inputOf(Matrix m) {
        return switch (m) {
            case Q, K, V -> Projection.QKV;
            case O -> Projection.O;
            case GATE, UP -> Projection.GATE_UP;
            case DOWN -> Projection.DOWN;
        };
    }

    /** ||X_j||_2 of {@code p}'s input in {@code layer}, (in); a copy. */
    public float[] norms(int layer, Projection p) {
        if (layer < 0 || layer >= norms.length) {
            throw new IllegalArgumentException("layer " + layer + " out of range: the norms cover " + norms.length
                    + " layers");
        }
        return norms[layer][p.ordinal()].clone();
    }

    /** ||X_j||_2 over the input features of matrix {@code id}, (in); a copy. */
    public float[] norms(MatrixId id) {
        return norms(id.layer(), inputOf(id.matrix()));
    }

    /** Layers covered. */
    public int layers() {
        return norms.length;
    }

    /** Calibration rows run. */
    public int rows() {
        return rows;
    }

    /** Calibration tokens counted. */
    public long tokens() {
        return tokens;
    }
}
