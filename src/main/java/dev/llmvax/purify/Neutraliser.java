package dev.llmvax.purify;

import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.PurifyConfig.Reinit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Neutralises a signature (method.md §3 step 5), in place.
 *
 * <p>Full weights: each flagged unit's slice (gate/up rows, down columns; a head's rows of q/k/v, columns of o)
 * is re-initialised:
 * <ul>
 *   <li>{@link Reinit#XAVIER}: uniform in ±sqrt(6 / (fan_in + fan_out)) of the unit's slice, as the authors: a
 *       channel's row (1, hidden) or column (hidden, 1) gets ±sqrt(6 / (hidden + 1)).
 *   <li>{@link Reinit#MATCHED}: Gaussian noise rescaled so that each flagged unit's RMS equals σ, the mean RMS of
 *       the same matrix's unflagged units (of all units if every one is flagged). Xavier's scale is far above a
 *       trained small model's (method.md §4: it left SmolLM2 emitting garbage); this keeps the matrix's own.
 *   <li>{@link Reinit#ZERO}: zeros.
 *   <li>{@link Reinit#SCALE}: the unit's own values times a factor in [0, 1): weakened, not cut.
 * </ul>
 * Draws come from one CPU generator seeded with {@code seed}, matrix by matrix in {@link MatrixId} order, units
 * ascending. MLP and attention weights have no derived copies in {@link LlamaModel}, so nothing needs refreshing.
 *
 * <p>Adapter mode: the flagged rows of lora_B (gate/up/q/k/v) or columns of lora_A (down/o) are zeroed, which zeroes
 * those units' rows or columns of (α/r)·B·A; nothing else changes, bit for bit.
 */
public final class Neutraliser {
    private Neutraliser() {
    }

    /**
     * What adapter-mode neutralising did.
     *
     * @param units       units zeroed
     * @param notAdapted  flagged matrices the adapter does not adapt (nothing to zero there)
     */
    public record AdapterResult(int units, List<MatrixId> notAdapted) {
        public AdapterResult {
            notAdapted = List.copyOf(notAdapted);
        }
    }

    /** Re-initialises {@code signature}'s units in {@code model}'s weights. */
    public static void apply(LlamaModel model, Signature signature, Reinit mode, double scale, long seed) {
        Map<String, Tensor> weights = model.weights();
        try {
            apply(weights, model.config(), signature, mode, scale, seed);
        } finally {
            weights.values().forEach(Tensor::close);
        }
    }

    /**
     * As {@link #apply(LlamaModel, Signature, Reinit, double, long)} on HF-named weights (views or tensors), in
     * place; {@code scale} is used by {@link Reinit#SCALE} only.
     */
    public static void apply(Map<String, Tensor> weights, LlamaConfig c, Signature signature, Reinit mode,
                             double scale, long seed) {
        Function<MatrixId, Tensor> weight = id -> {
            Tensor w = weights.get(id.weightName()); // (out, in), a view into the model
            if (w == null) {
                throw new IllegalArgumentException("the model has no weight " + id.weightName());
            }
            return w;
        };
        replacements(weight, c, signature, mode, scale, seed, (id, units) -> {
            Tensor w = weight.apply(id);
            long[] rows = slots(signature.flagged(id), id.matrix().unitWidth(c));
            Tensor idx = Tensors.fromLongs(rows, rows.length).to(w.device(), ScalarType.Long);
            if (id.matrix().axis() == Matrix.Axis.ROW) {
                w.index_copy_(0, idx, units.reshape(idx.size(0), -1).to(w.device(), w.scalar_type()));
            } else {
                w.index_copy_(1, idx, units.reshape(idx.size(0), -1).t().to(w.device(), w.scalar_type()));
            }
        });
    }

    /**
     * The new values of every flagged unit, matrix by matrix in {@link MatrixId} order with one seeded generator,
     * as {@link #apply} draws them: {@code sink} gets (units, features) float32 in {@link ChannelScores#unitView}
     * layout, valid until it returns. {@code source} gives the matrix the values derive from (its shape, and for
     * {@link Reinit#MATCHED} and {@link Reinit#SCALE} its values); a tensor it makes is freed after the matrix.
     */
    static void replacements(Function<MatrixId, Tensor> source, LlamaConfig c, Signature signature, Reinit mode,
                             double scale, long seed, BiConsumer<MatrixId, Tensor> sink) {
        signature.selections().forEach((id, s) -> checkUnits(id, s, c));
        try (InferenceMode guard = new InferenceMode(); Generator gen = torch.make_generator_cpu(seed)) {
            signature.selections().forEach((id, s) -> {
                if (s.count() == 0) {
                    return;
                }
                try (PointerScope scope = new PointerScope()) {
                    sink.accept(id, replacement(source.apply(id), id.matrix(), c, s, mode, scale, gen));
                }
            });
        }
    }

    /** New values for the flagged units, one unit per row in {@link ChannelScores#unitView} layout. */
    private static Tensor replacement(Tensor w, Matrix m, LlamaConfig c, Signature.Selection s, Reinit mode,
                                      double scale, Generator gen) {
        int g = m.unitWidth(c);
        long[] shape = Tensors.shape(w);
        long features = shape[0] * shape[1] / m.units(c);
        TensorOptions f32 = new TensorOptions(ScalarType.Float);
        long[] size = {s.count(), features};
        return switch (mode) {
            case ZERO -> torch.zeros(size, f32);
            case SCALE -> flaggedUnits(w, m, c, s).mul(new Scalar(scale));
            case XAVIER -> {
                long sliceIn = m.axis() == Matrix.Axis.ROW ? shape[1] : g;   // the unit's slice is (g, in) for a
                long sliceOut = m.axis() == Matrix.Axis.ROW ? g : shape[0];  // row unit, (out, g) for a column one
                double bound = Math.sqrt(6.0 / (sliceIn + sliceOut));
                yield torch.empty(size, f32, new org.bytedeco.pytorch.MemoryFormatOptional())
                        .uniform_(-bound, bound, new GeneratorOptional(gen));
            }
            case MATCHED -> {
                double sigma = unflaggedRms(w, m, c, s);
                Tensor noise = torch.empty(size, f32, new org.bytedeco.pytorch.MemoryFormatOptional())
                        .normal_(0, 1, new GeneratorOptional(gen));
                yield noise.div(rms(noise).clamp_min(new Scalar(1e-30)).unsqueeze(1)).mul(new Scalar(sigma));
            }
        };
    }

    /** The flagged units' current values, (k, features) float32 in {@link ChannelScores#unitView} layout. */
    private static Tensor flaggedUnits(Tensor w, Matrix m, LlamaConfig c, Signature.Selection s) {
        Tensor view = ChannelScores.unitView(w.to(ScalarType.Float), m, c);
        long[] units = Arrays.stream(s.flagged()).asLongStream().toArray();
        return view.index_select(0, Tensors.fromLongs(units, units.length).to(view.device(), ScalarType.Long));
    }

    /** σ of {@link Reinit#MATCHED}: mean per-unit RMS over the unflagged units (all when none is unflagged). */
    static double unflaggedRms(Tensor w, Matrix m, LlamaConfig c, Signature.Selection s) {
        float[] r = Tensors.toFloats(rms(ChannelScores.unitView(w.to(ScalarType.Float), m, c)));
        boolean[] flagged = new boolean[r.length];
        for (int j : s.flagged()) {
            flagged[j] = true;
        }
        double sum = 0;
        int n = 0;
        for (int j = 0; j < r.length; j++) {
            if (!flagged[j]) {
                sum += r[j];
                n++;
            }
        }
        if (n == 0) {
            for (float v : r) {
                sum += v;
            }
            n = r.length;
        }
        return sum / n;
    }

    /** Per-row RMS of (units, features). */
    private static Tensor rms(Tensor units) {
        return units.mul(units).mean(new long[] {1}, false, new ScalarTypeOptional()).sqrt();
    }

    /**
     * Adapter mode: zeroes the flagged rows of lora_B (row-unit matrices) and columns of lora_A (column-unit
     * matrices), in place.
     */
    public static AdapterResult applyToAdapter(LoraWeights lora, Signature signature, LlamaConfig c) {
        signature.selections().forEach((id, s) -> checkUnits(id, s, c));
        int units = 0;
        List<MatrixId> notAdapted = new ArrayList<>();
        try (InferenceMode guard = new InferenceMode()) {
            for (Map.Entry<MatrixId, Signature.Selection> e : signature.selections().entrySet()) {
                MatrixId id = e.getKey();
                Signature.Selection s = e.getValue();
                LoraWeights.Pair p = lora.pairs().get(id.modulePath());
                if (s.count() == 0) {
                    continue;
                }
                if (p == null) {
                    notAdapted.add(id);
                    continue;
                }
                try (PointerScope scope = new PointerScope()) {
                    long[] slots = slots(s.flagged(), id.matrix().unitWidth(c));
                    Tensor idx = Tensors.fromLongs(slots, slots.length).to(p.a().device(), ScalarType.Long);
                    if (id.matrix().axis() == Matrix.Axis.ROW) {
                        p.b().index_fill_(0, idx, new Scalar(0)); // B (out, r): the unit's output rows
                    } else {
                        p.a().index_fill_(1, idx, new Scalar(0)); // A (r, in): the unit's input columns
                    }
                }
                units += s.count();
            }
        }
        return new AdapterResult(units, notAdapted);
    }

    /** The rows (or columns) of units {@code flagged}, {@code width} each. */
    static long[] slots(int[] flagged, int width) {
        long[] out = new long[flagged.length * width];
        for (int i = 0; i < flagged.length; i++) {
            for (int k = 0; k < width; k++) {
                out[i * width + k] = (long) flagged[i] * width + k;
            }
        }
        return out;
    }

    private static void checkUnits(MatrixId id, Signature.Selection s, LlamaConfig c) {
        if (id.layer() >= c.numLayers() || s.units() != id.matrix().units(c)) {
            throw new IllegalArgumentException("the signature's " + id + " (" + s.units() + " units) does not fit "
                    + "this model (" + c.numLayers() + " layers, " + id.matrix().units(c) + " units per "
                    + id.matrix().id() + "): was it computed for another model?");
        }
    }
}
