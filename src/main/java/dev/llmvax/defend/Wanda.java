package dev.llmvax.defend;

import dev.llmvax.data.Sample;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.LoadedModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.Matrix;
import dev.llmvax.purify.MatrixId;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Wanda pruning (Sun, Liu, Bair, Kolter 2023, "A Simple and Effective Pruning Approach for Large Language
 * Models", arXiv:2306.11695), in place.
 *
 * <p>Score (Eq. 1): S_ij = |W_ij| · ||X_j||_2 for W (out, in) and the calibration norms of its input features
 * ({@link ActivationNorms}).
 * <ul>
 *   <li>Unstructured (the paper's method): per output row, the floor(sparsity · in) lowest-scoring weights are
 *       zeroed; the comparison group is the row, as the paper found best for LLMs (§3). Ties go to the lower
 *       column index (a stable sort), so the mask is deterministic.</li>
 *   <li>Structured: whole units, scored by the sum of their weights' scores: MLP channels (a gate/up row, a down
 *       column) and attention heads (head_dim rows of q/k/v, head_dim columns of o), the units of
 *       {@link Matrix}. floor(sparsity · units) lowest units per matrix, each matrix on its own.</li>
 * </ul>
 *
 * <p>Deviation from the authors' code: the norms come from one pass over the dense model; theirs re-runs each
 * layer's calibration inputs through the layers already pruned. Only the seven linear matrices of each layer
 * change; they have no derived copies in {@link LlamaModel} ({@link LlamaModel#refreshDerived()} covers the LM
 * head and final norm only), so nothing needs refreshing.
 */
public final class Wanda {
    private Wanda() {
    }

    /**
     * Collects the norms on {@code config.calibration(clean)} (chat-templated, cut at {@code maxLength} tokens)
     * and prunes {@code model} with them.
     */
    public static WandaResult run(LoadedModel model, List<Sample> clean, int maxLength, WandaConfig config,
                                  IntConsumer rowDone) {
        ActivationNorms norms = ActivationNorms.collect(model, config.calibration(clean), maxLength, rowDone);
        return prune(model.model(), norms, config);
    }

    /**
     * Prunes {@code config.matrices()} of every layer of {@code model} in place.
     *
     * @param norms collected on this model (any precision); checked against its shapes before anything changes
     */
    public static WandaResult prune(LlamaModel model, ActivationNorms norms, WandaConfig config) {
        LlamaConfig c = model.config();
        if (norms.layers() != c.numLayers()) {
            throw new IllegalArgumentException("the activation norms cover " + norms.layers() + " layers, the model has "
                    + c.numLayers() + ": were they collected on another model?");
        }
        for (int l = 0; l < c.numLayers(); l++) {
            for (Matrix m : config.matrices()) {
                long in = m.shape(c)[1];
                int got = norms.norms(new MatrixId(l, m)).length;
                if (got != in) {
                    throw new IllegalArgumentException("the activation norms of " + new MatrixId(l, m) + " have " + got
                            + " features, the matrix has " + in + " inputs: were they collected on another model?");
                }
            }
        }
        Map<Matrix, Long> pruned = new EnumMap<>(Matrix.class);
        Map<Matrix, Long> parameters = new EnumMap<>(Matrix.class);
        Map<String, Tensor> weights = model.weights();
        try (InferenceMode guard = new InferenceMode()) {
            for (int l = 0; l < c.numLayers(); l++) {
                for (Matrix m : config.matrices()) {
                    MatrixId id = new MatrixId(l, m);
                    Tensor w = weights.get(id.weightName()); // (out, in), a view into the model
                    float[] x = norms.norms(id);
                    long k = config.structured() ? pruneUnits(w, x, m, c, config.sparsity())
                            : pruneRows(w, x, config.sparsity());
                    pruned.merge(m, k, Long::sum);
                    parameters.merge(m, w.numel(), Long::sum);
                }
            }
        } finally {
            weights.values().forEach(Tensor::close);
        }
        return new WandaResult(config, pruned, parameters, norms.rows(), norms.tokens());
    }

    /**
     * S = |W| · ||X|| broadcast over rows.
     *
     * @param w     (out, in), any float dtype
     * @param norms (in)
     * @return (out, in) float32, in the caller's PointerScope
     */
    static Tensor scores(Tensor w, float[] norms) {
        Tensor x = Tensors.fromFloats(norms, 1, norms.length).to(w.device(), ScalarType.Float); // (1, in)
        return w.to(ScalarType.Float).abs().mul(x);
    }

    /**
     * Unstructured Wanda: zeroes the floor(sparsity · in) lowest-scoring weights of each row of {@code w}, in
     * place (ties: lower column first).
     *
     * @return weights zeroed
     */
    static long pruneRows(Tensor w, float[] norms, double sparsity) {
        long out = w.size(0);
        long k = count(sparsity, w.size(1));
        if (k == 0) {
            return 0;
        }
        try (PointerScope scope = new PointerScope()) {
            Tensor order = torch.argsort(scores(w, norms), true, 1, false); // (out, in) ascending, stable
            w.scatter_(1, order.narrow(1, 0, k), new Scalar(0));
        }
        return out * k;
    }

    /**
     * Structured: zeroes the floor(sparsity · units) units of lowest summed score (ties: lower unit first), in
     * place.
     *
     * @return weights zeroed
     */
    static long pruneUnits(Tensor w, float[] norms, Matrix m, LlamaConfig c, double sparsity) {
        int units = m.units(c);
        int width = m.unitWidth(c);
        long k = count(sparsity, units);
        if (k == 0) {
            return 0;
        }
        boolean rows = m.axis() == Matrix.Axis.ROW;
        try (PointerScope scope = new PointerScope()) {
            // sum over the other axis: (out) per row or (in) per column, then per unit of `width` rows/columns
            Tensor perSlot = scores(w, norms).sum(new long[] {rows ? 1 : 0}, false, new ScalarTypeOptional());
            Tensor perUnit = perSlot.reshape(units, width).sum(new long[] {1}, false, new ScalarTypeOptional());
            Tensor lowest = torch.argsort(perUnit, true, 0, false).narrow(0, 0, k); // (k) unit indices
            Tensor slots = lowest.unsqueeze(1).mul(new Scalar(width))
                    .add(torch.arange(new Scalar(width), new TensorOptions(ScalarType.Long)
                            .device(new org.bytedeco.pytorch.DeviceOptional(w.device()))).unsqueeze(0))
                    .reshape(-1); // (k · width) row or column indices
            w.index_fill_(rows ? 0 : 1, slots, new Scalar(0));
        }
        return k * width * (rows ? w.size(1) : w.size(0));
    }

    /**
     * floor(fraction · n), forgiving the binary representation of decimal fractions (0.29 · 100 is
     * 28.999999999999996 in doubles; the user meant 29).
     */
    static long count(double fraction, long n) {
        return (long) Math.floor(fraction * n + 1e-9);
    }
}
