package dev.llmvax.purify;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraMerge;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Tensors;
import dev.llmvax.purify.PurifyConfig.Reinit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Adapter mode that cuts whole channels ({@link PurifyConfig.AdapterNeutralise#CHANNELS}): the flagged channels of
 * base + adapter are re-initialised as full mode re-initialises them, and the result is still base + adapter.
 *
 * <p>Why: zeroing only the adapter's units left the backdoor (docs/RESULTS.md, stop 22: the flagged 35 % of the
 * units carried 34 % of the adapter's update, what random units carry), while re-initialising whole channels of the
 * merged model removed it. An adapter can carry that rewrite exactly: a flagged row j of gate/up (a head's rows of
 * q/k/v) becomes one rank-1 term e_j ⊗ (new_j − old_j), a flagged column j of down (o) the term
 * (new_j − old_j) ⊗ e_j, each one more rank of the adapter.
 *
 * <p>Use: {@link #neutralise} writes the re-initialised channels into the base's flagged slices and zeroes the
 * adapter's flagged units, in place, remembering the base's old values; the repair then continues the adapter
 * over that base; {@link #fold} puts the base back, bit for bit, and returns the repaired adapter widened by the
 * rewrite terms. Every module gets the same rank r' = r + (most flagged slices of any module), zero-padded, and α
 * is raised so that the scale (α/r, or α/√r with rsLoRA) is unchanged: a uniform rank keeps the adapter readable
 * without PEFT's rank_pattern.
 */
public final class AdapterChannels implements AutoCloseable {
    private final LlamaConfig config;
    private final Map<MatrixId, long[]> slots = new LinkedHashMap<>();
    private final Map<MatrixId, Tensor> before = new LinkedHashMap<>(); // (slots, features) float32, base values
    private boolean folded;

    private AdapterChannels(LlamaConfig config) {
        this.config = config;
    }

    /**
     * Re-initialises {@code signature}'s channels of base + adapter in place: the new values, drawn as full mode
     * draws them on the merged model ({@link Neutraliser#replacements}: same generator order, {@link Reinit#MATCHED}
     * and {@link Reinit#SCALE} from the merged values), go into {@code model}'s (base) weights, and the adapter's
     * share of those units is zeroed.
     *
     * @return what {@link #fold} needs to restore the base and write the rewrite into the adapter
     */
    public static AdapterChannels neutralise(LlamaModel model, LoraWeights adapter, Signature signature,
                                             Reinit mode, double scale, long seed) {
        LlamaConfig c = model.config();
        AdapterChannels out = new AdapterChannels(c);
        Map<String, Tensor> weights = model.weights();
        try {
            Neutraliser.replacements(id -> merged(weights, adapter, id), c, signature, mode, scale, seed,
                    (id, units) -> {
                        Tensor w = weights.get(id.weightName());
                        long[] rows = Neutraliser.slots(signature.flagged(id), id.matrix().unitWidth(c));
                        Tensor old = slice(w, id.matrix(), rows).to(ScalarType.Float).clone();
                        old.retainReference(); // held until close(), past the caller's scope
                        out.before.put(id, old);
                        out.slots.put(id, rows);
                        write(w, id.matrix(), rows, units.reshape(rows.length, -1));
                    });
        } catch (RuntimeException e) {
            out.close();
            throw e;
        } finally {
            weights.values().forEach(Tensor::close);
        }
        Neutraliser.applyToAdapter(adapter, signature, c); // that share now lives in the base's new values
        return out;
    }

    /** Matrix {@code id} of base + adapter, float32 (a new tensor). */
    private static Tensor merged(Map<String, Tensor> weights, LoraWeights adapter, MatrixId id) {
        Tensor w = weights.get(id.weightName());
        if (w == null) {
            throw new IllegalArgumentException("the model has no weight " + id.weightName());
        }
        Tensor f = w.to(ScalarType.Float).clone();
        LoraWeights.Pair p = adapter.pairs().get(id.modulePath());
        if (p != null) {
            f.add_(LoraMerge.delta(p, adapter.config().scale()).to(f.device(), ScalarType.Float));
        }
        return f;
    }

    /** Flagged slices this rewrite holds (rows or columns over all matrices). */
    public int slices() {
        return slots.values().stream().mapToInt(r -> r.length).sum();
    }

    /**
     * Restores the base's flagged slices in {@code model} to their values before {@link #neutralise} and returns
     * {@code repaired} widened by the rewrite terms, so that base + result equals the neutralised base + repaired.
     * {@code repaired} is left as it is; the result is the caller's to close.
     */
    public LoraWeights fold(LlamaModel model, LoraWeights repaired) {
        if (folded) { // the base is back: a second fold would find no rewrite to carry
            throw new IllegalStateException("this rewrite was already folded into an adapter");
        }
        folded = true;
        LoraConfig rc = repaired.config();
        int extra = slots.values().stream().mapToInt(r -> r.length).max().orElse(0);
        int rank = rc.r() + extra;
        double ratio = (double) rank / rc.r();
        LoraConfig wide = new LoraConfig(rank, rc.rslora() ? rc.alpha() * Math.sqrt(ratio) : rc.alpha() * ratio,
                rc.dropout(), targets(rc), rc.rslora());
        Map<String, Tensor> weights = model.weights();
        Map<String, LoraWeights.Pair> pairs = new LinkedHashMap<>();
        try (InferenceMode guard = new InferenceMode()) {
            Map<String, MatrixId> flaggedModules = new LinkedHashMap<>();
            slots.keySet().forEach(id -> flaggedModules.put(id.modulePath(), id));
            for (int l = 0; l < config.numLayers(); l++) {
                for (String m : wide.targets()) {
                    String path = LoraConfig.modulePath(l, m);
                    MatrixId id = flaggedModules.get(path);
                    pairs.put(path, widen(repaired.pairs().get(path), LoraConfig.shapeOf(config, m), rc.r(), rank,
                            id, id == null ? null : weights.get(id.weightName()), wide.scale(), model.device()));
                }
            }
        } catch (RuntimeException e) {
            pairs.values().forEach(p -> {
                p.a().close();
                p.b().close();
            });
            throw e;
        } finally {
            weights.values().forEach(Tensor::close);
        }
        return new LoraWeights(wide, pairs);
    }

    /** The repaired adapter's targets plus the modules a flagged matrix lives in, in {@link LoraConfig} order. */
    private List<String> targets(LoraConfig rc) {
        Set<String> names = new LinkedHashSet<>(rc.targets());
        slots.keySet().forEach(id -> names.add(id.matrix().shortName()));
        return LoraConfig.normalise(new ArrayList<>(names));
    }

    /**
     * One module's factors at rank {@code rank}: the repaired pair (or none) in the first {@code r} ranks, then,
     * when {@code id} is flagged, one rank per flagged slice carrying (now − before) / scale; {@code w} (the base
     * weight, still neutralised) gets its slices back.
     */
    private LoraWeights.Pair widen(LoraWeights.Pair p, int[] outIn, int r, int rank, MatrixId id, Tensor w,
                                   double scale, Device device) {
        TensorOptions f32 = new TensorOptions(ScalarType.Float);
        Tensor a = torch.zeros(new long[] {rank, outIn[1]}, f32);
        Tensor b = torch.zeros(new long[] {outIn[0], rank}, f32);
        a.retainReference();
        b.retainReference();
        try (PointerScope scope = new PointerScope()) {
            if (p != null) {
                a.narrow(0, 0, r).copy_(p.a().to(ScalarType.Float).cpu());
                b.narrow(1, 0, r).copy_(p.b().to(ScalarType.Float).cpu());
            }
            if (id != null) {
                long[] rows = slots.get(id);
                Tensor old = before.get(id);
                Tensor diff = slice(w, id.matrix(), rows).to(ScalarType.Float).cpu().sub(old.cpu())
                        .div(new Scalar(scale)); // (n, features)
                boolean row = id.matrix().axis() == Matrix.Axis.ROW;
                Tensor oneHot = torch.zeros(new long[] {rows.length, row ? outIn[0] : outIn[1]}, f32)
                        .scatter_(1, Tensors.fromLongs(rows, rows.length).unsqueeze(1), new Scalar(1.0));
                if (row) {
                    b.narrow(1, r, rows.length).copy_(oneHot.t());
                    a.narrow(0, r, rows.length).copy_(diff);
                } else {
                    a.narrow(0, r, rows.length).copy_(oneHot);
                    b.narrow(1, r, rows.length).copy_(diff.t());
                }
                write(w, id.matrix(), rows, old); // the base as it was
            }
        }
        return device.is_cpu() ? new LoraWeights.Pair(a, b) : new LoraWeights.Pair(moved(a, device), moved(b, device));
    }

    /** {@code t} on {@code device}, owned by the caller; {@code t} is freed. */
    private static Tensor moved(Tensor t, Device device) {
        Tensor out = t.to(device, ScalarType.Float);
        out.retainReference();
        t.close();
        return out;
    }

    /** The flagged rows (row units) or columns (column units) of {@code w}, as (slices, features). */
    private static Tensor slice(Tensor w, Matrix m, long[] rows) {
        Tensor idx = Tensors.fromLongs(rows, rows.length).to(w.device(), ScalarType.Long);
        return m.axis() == Matrix.Axis.ROW ? w.index_select(0, idx) : w.index_select(1, idx).t();
    }

    /** Sets the flagged rows (columns) of {@code w} to {@code values} (slices, features). */
    private static void write(Tensor w, Matrix m, long[] rows, Tensor values) {
        Tensor idx = Tensors.fromLongs(rows, rows.length).to(w.device(), ScalarType.Long);
        values = values.to(w.device(), w.scalar_type());
        if (m.axis() == Matrix.Axis.ROW) {
            w.index_copy_(0, idx, values);
        } else {
            w.index_copy_(1, idx, values.t());
        }
    }

    @Override
    public void close() {
        before.values().forEach(Tensor::close);
        before.clear();
    }
}
