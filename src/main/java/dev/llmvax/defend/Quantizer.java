package dev.llmvax.defend;

import dev.llmvax.io.Dequant;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.Matrix;
import dev.llmvax.purify.MatrixId;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;

/**
 * Quantisation as a defense: rounds weights through a GGUF block format ({@link QuantFormat}) and back, the
 * damage a user's own {@code llama-quantize} would do. Blocks run along the input dimension (32 consecutive
 * values of one row of W (out, in)), as GGUF stores them, so a row's width must be a multiple of 32.
 *
 * <p>Weights are encoded to the exact GGUF block bytes by llama.cpp's reference quantizers and decoded by the
 * same {@link Dequant} the GGUF reader uses, so the rounding is the one a quantised file would carry.
 */
public final class Quantizer {
    private Quantizer() {
    }

    /**
     * The GGUF blocks of {@code w}: row-major, {@code in / 32} blocks a row.
     *
     * @param w (out, in) any float dtype, in a multiple of 32
     * @throws IllegalArgumentException when {@code w} is not 2-D or its width is not a multiple of 32
     */
    public static MemorySegment encode(Tensor w, QuantFormat f) {
        try (PointerScope scope = new PointerScope()) {
            check(Tensors.shape(w), f, "tensor");
            return Dequant.quantize(f.dtype(), Tensors.toFloats(w));
        }
    }

    /**
     * {@code w} encoded in {@code f} and decoded back, in {@code w}'s dtype and on its device (a bf16 tensor adds
     * its own rounding of the decoded values).
     *
     * @param w (out, in), in a multiple of 32
     * @return a new tensor of {@code w}'s shape, owned by the caller
     * @throws IllegalArgumentException when {@code w} is not 2-D or its width is not a multiple of 32
     */
    public static Tensor roundTrip(Tensor w, QuantFormat f) {
        try (PointerScope scope = new PointerScope()) {
            long[] shape = Tensors.shape(w);
            check(shape, f, "tensor");
            Tensor back = Tensors.fromFloats(roundTrip(Tensors.toFloats(w), f), shape); // (out, in) float32
            Tensor out = back.to(w.device(), w.scalar_type());
            out.retainReference(); // survives the scope; the caller closes it
            return out;
        }
    }

    /** Row-major values (whole blocks) through {@code f} and back. */
    static float[] roundTrip(float[] values, QuantFormat f) {
        return Dequant.toFloats(f.dtype(), Dequant.quantize(f.dtype(), values), values.length);
    }

    /**
     * Rounds the seven linear matrices (q, k, v, o, gate, up, down) of every layer of {@code model} through
     * {@code f}, in place. The embedding, the LM head and the norms are left as they are (llama.cpp's own
     * quantize keeps norms in float32 and treats the embedding and output separately). These matrices have no
     * derived copies in {@link LlamaModel}, so nothing needs refreshing.
     *
     * @throws IllegalArgumentException before anything changes, when some matrix's input width (hidden, q_dim or
     *                                  intermediate) is not a multiple of 32
     */
    public static QuantResult apply(LlamaModel model, QuantFormat f) {
        LlamaConfig c = model.config();
        for (Matrix m : Matrix.values()) {
            check(m.shape(c), f, m.id() + "_proj");
        }
        int matrices = 0;
        long parameters = 0;
        double maxAbs = 0;
        double sumSq = 0;
        Map<String, Tensor> weights = model.weights();
        try (InferenceMode guard = new InferenceMode()) {
            for (int l = 0; l < c.numLayers(); l++) {
                for (Matrix m : Matrix.values()) {
                    Tensor w = weights.get(new MatrixId(l, m).weightName()); // (out, in), a view into the model
                    float[] before = Tensors.toFloats(w);
                    float[] after;
                    try (PointerScope scope = new PointerScope()) {
                        w.copy_(Tensors.fromFloats(roundTrip(before, f), Tensors.shape(w))); // cast to the model's dtype
                        after = Tensors.toFloats(w);
                    }
                    for (int i = 0; i < before.length; i++) {
                        double e = Math.abs((double) before[i] - after[i]);
                        maxAbs = Math.max(maxAbs, e);
                        sumSq += e * e;
                    }
                    matrices++;
                    parameters += before.length;
                }
            }
        } finally {
            weights.values().forEach(Tensor::close);
        }
        return new QuantResult(f, matrices, parameters, maxAbs, parameters == 0 ? 0 : Math.sqrt(sumSq / parameters));
    }

    private static void check(long[] shape, QuantFormat f, String what) {
        if (shape.length != 2) {
            throw new IllegalArgumentException(f + " rounds 2-D weights (out, in); the " + what + " has shape "
                    + Arrays.toString(shape));
        }
        if (shape[1] % QuantFormat.BLOCK != 0) {
            throw new IllegalArgumentException("the " + what + " of shape " + Arrays.toString(shape) + " cannot be "
                    + "stored as " + f + ": its input width " + shape[1] + " is not a multiple of the "
                    + QuantFormat.BLOCK + "-value block (llama.cpp would keep such a tensor in another type)");
        }
    }
}
