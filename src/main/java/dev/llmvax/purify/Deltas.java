package dev.llmvax.purify;

import dev.llmvax.io.SafetensorsFile;
import dev.llmvax.io.TensorInfo;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * One variant's differential update, Eq. 1 of method.md §3: {@code Δ = θ_bd − θ_clean} on the dense effective
 * weights of the MLP matrices (and of q/k/v/o when heads are scored).
 *
 * <p>Lazy: {@link #delta} computes one matrix when asked, so scoring a variant holds one matrix's Δ at a time
 * rather than the whole model's (SmolLM2: 80 M values, 320 MB in float32). The sources (weight maps, adapters)
 * must stay open until the variant has been fed to {@link ChannelScores.Accumulator}; a Deltas does not own
 * them, except the weight views {@link #ofModels} takes, which {@link #close()} frees.
 */
public final class Deltas implements AutoCloseable {
    // retained: the class may first load inside a caller's PointerScope, whose close must not free it
    private static final Device CPU = new Device(DeviceType.CPU).retainReference();

    private final LlamaConfig config;
    private final List<MatrixId> matrices;
    private final Function<MatrixId, Tensor> compute;
    private final Runnable onClose;

    private Deltas(LlamaConfig config, boolean attention, Function<MatrixId, Tensor> compute, Runnable onClose) {
        this.config = config;
        this.matrices = matrices(config, attention);
        this.compute = compute;
        this.onClose = onClose;
    }

    /** The matrices scored: per layer gate, up, down, then q, k, v, o when {@code attention}. */
    public static List<MatrixId> matrices(LlamaConfig c, boolean attention) {
        List<MatrixId> out = new ArrayList<>();
        for (int l = 0; l < c.numLayers(); l++) {
            for (Matrix m : Matrix.values()) {
                if (attention || !m.isAttention()) {
                    out.add(new MatrixId(l, m));
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Full fine-tunes: {@code W_bd − W_clean} per matrix, from two HF-named weight maps (views of two models'
     * weights, or tensors read from files), any float dtype and device.
     */
    public static Deltas ofWeights(LlamaConfig c, Map<String, Tensor> bd, Map<String, Tensor> clean,
                                   boolean attention) {
        return new Deltas(c, attention, id -> {
            Tensor b = weight(bd, "backdoor", id, c);
            Tensor k = weight(clean, "clean", id, c);
            try (Tensor b32 = b.to(CPU, ScalarType.Float); Tensor k32 = k.to(CPU, ScalarType.Float)) {
                return b32.sub(k32); // (out, in)
            }
        }, () -> { });
    }

    /** {@link #ofWeights} over two models' {@link LlamaModel#weights()} views, which {@link #close()} frees. */
    public static Deltas ofModels(LlamaModel bd, LlamaModel clean, boolean attention) {
        Map<String, Tensor> b = bd.weights();
        Map<String, Tensor> k = clean.weights();
        Deltas d = ofWeights(bd.config(), b, k, attention);
        return new Deltas(d.config, attention, d.compute, () -> {
            b.values().forEach(Tensor::close);
            k.values().forEach(Tensor::close);
        });
    }

    /**
     * LoRA twins over the same base (a full-weight model, or the suspicious adapter both continued from the same
     * start): {@code (α/r)·B_bd·A_bd − (α/r)·B_clean·A_clean}, the base cancelling. A module one side does not
     * adapt contributes zero from that side.
     */
    public static Deltas ofAdapters(LlamaConfig c, LoraWeights bd, LoraWeights clean, boolean attention) {
        return new Deltas(c, attention, id -> {
            try (PointerScope scope = new PointerScope()) {
                Tensor d = torch.zeros(id.matrix().shape(c), new TensorOptions(ScalarType.Float));
                LoraWeights.Pair pb = bd.pairs().get(id.modulePath());
                LoraWeights.Pair pc = clean.pairs().get(id.modulePath());
                if (pb != null) {
                    d.add_(LoraMerge.delta(pb, bd.config().scale()).to(CPU, ScalarType.Float));
                }
                if (pc != null) {
                    d.sub_(LoraMerge.delta(pc, clean.config().scale()).to(CPU, ScalarType.Float));
                }
                checkShape(d, "LoRA", id, c);
                d.retainReference();
                return d;
            }
        }, () -> { });
    }

    /**
     * Dense deltas stored in a safetensors file under the matrices' HF names, (out, in), any float dtype (the
     * gradient estimator's files, {@link GradientDeltas}); read lazily, one matrix at a time. The file stays open
     * until {@link #close()}.
     */
    public static Deltas ofFile(LlamaConfig c, Path file, boolean attention) {
        SafetensorsFile f = SafetensorsFile.open(file);
        try {
            Deltas d = new Deltas(c, attention, id -> {
                TensorInfo info = f.tensors().get(id.weightName());
                if (info == null) {
                    throw new IllegalArgumentException(file + " has no " + id.weightName());
                }
                try (Tensor t = Tensors.fromSegment(f.data(id.weightName()), UnitStore.scalarType(info.dtype()),
                        info.shape())) {
                    checkShape(t, "stored", id, c);
                    return t.to(CPU, ScalarType.Float).clone();
                }
            }, f::close);
            for (MatrixId id : d.matrices) { // fail now, not halfway through the scores
                if (!f.tensors().containsKey(id.weightName())) {
                    throw new IllegalArgumentException(file + " has no " + id.weightName());
                }
            }
            return d;
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * Deltas given directly (hand-made in tests, or another estimator's), keyed by matrix; every matrix of
     * {@link #matrices(LlamaConfig, boolean)} must be present. The map's tensors stay the caller's.
     */
    public static Deltas of(LlamaConfig c, Map<MatrixId, Tensor> dense, boolean attention) {
        return new Deltas(c, attention, id -> {
            Tensor d = dense.get(id);
            if (d == null) {
                throw new IllegalArgumentException("no delta given for " + id);
            }
            checkShape(d, "given", id, c);
            try (Tensor f = d.to(CPU, ScalarType.Float)) {
                return f.clone(); // a copy the caller may close, even when d already is float32 on the CPU
            }
        }, () -> { });
    }

    public LlamaConfig config() {
        return config;
    }

    /** The matrices this variant has deltas for, in {@link MatrixId} order. */
    public List<MatrixId> matrices() {
        return matrices;
    }

    /** Δ of one matrix: (out, in) float32 on the CPU, a new tensor the caller closes. */
    public Tensor delta(MatrixId id) {
        try (InferenceMode guard = new InferenceMode()) {
            return compute.apply(id);
        }
    }

    @Override
    public void close() {
        onClose.run();
    }

    private static Tensor weight(Map<String, Tensor> weights, String side, MatrixId id, LlamaConfig c) {
        Tensor t = weights.get(id.weightName());
        if (t == null) {
            throw new IllegalArgumentException("the " + side + " weights have no " + id.weightName());
        }
        checkShape(t, side, id, c);
        return t;
    }

    private static void checkShape(Tensor t, String side, MatrixId id, LlamaConfig c) {
        long[] want = id.matrix().shape(c);
        if (!Arrays.equals(Tensors.shape(t), want)) {
            throw new IllegalArgumentException("the " + side + " " + id.weightName() + " has shape "
                    + Arrays.toString(Tensors.shape(t)) + ", the model config implies " + Arrays.toString(want));
        }
    }
}
