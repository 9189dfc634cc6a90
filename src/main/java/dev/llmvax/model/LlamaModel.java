package dev.llmvax.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A Llama-family decoder on libtorch: embeddings, RMSNorm, rotary attention with grouped-query heads through
 * fused scaled-dot-product attention, SwiGLU MLP, tied or separate LM head.
 *
 * <p>q/k/v and gate/up are stored fused (one matmul each instead of three and two); {@link #weights()} exposes
 * them under their Hugging Face names as views of the fused storage.
 *
 * <p>Ownership: the model owns its weight tensors and frees them in {@link #close()}; {@link #forward} frees its
 * temporaries before returning and hands the caller the logits to close.
 */
public final class LlamaModel implements AutoCloseable {
    static {
        Engine.init();
    }

    private final LlamaConfig config;
    private final Precision precision;
    private final Device device;
    private final Tensor embed;     // (vocab, hidden)
    private final Tensor lmHead;    // (vocab, hidden); the embedding itself when tied
    private final Tensor finalNorm; // (hidden)
    private final Tensor lmHeadF32; // (vocab, hidden) float32 copy used when computing in bf16, else null
    private final Tensor finalNormF32; // (hidden) float32, likewise
    private final List<Layer> layers;
    private final Rope rope;

    /**
     * One decoder block's weights; biases are null when the architecture has none. Projection weights are
     * stored transposed, (in, out): bf16 GEMMs with few rows (a decode step) run ~1.5x faster from that
     * layout (0.40 vs 0.60 ms for 32 x 576 x 3072), and long ones run as fast.
     */
    record Layer(Tensor inputNorm,   // (hidden)
                 Tensor wQkvT,       // (hidden, q_dim + 2 kv_dim): transposed, see the class comment
                 Tensor bQkv,        // (q_dim + 2 kv_dim) or null
                 Tensor wOT,         // (q_dim, hidden)
                 Tensor bO,          // (hidden) or null
                 Tensor postNorm,    // (hidden)
                 Tensor wGateUpT,    // (hidden, 2 intermediate)
                 Tensor wDownT) {    // (intermediate, hidden)
        List<Tensor> owned() {
            List<Tensor> out = new ArrayList<>();
            for (Tensor t : new Tensor[] {inputNorm, wQkvT, bQkv, wOT, bO, postNorm, wGateUpT, wDownT}) {
                if (t != null) {
                    out.add(t);
                }
            }
            return out;
        }
    }

    private LlamaModel(LlamaConfig config, Precision precision, Device device, Tensor embed, Tensor lmHead,
                       Tensor finalNorm, List<Layer> layers) {
        this.config = config;
        this.precision = precision;
        this.device = device;
        this.embed = embed;
        this.lmHead = lmHead;
        this.finalNorm = finalNorm;
        this.layers = layers;
        this.rope = new Rope(config);
        // bf16 logits resolve only 0.125 at magnitude 25: near ties (SmolLM2's "The" 25.33 vs "L" 25.24 for
        // "What is the capital of France?") flip and greedy answers derail. Top logits are redone in float32.
        boolean half = precision != Precision.F32;
        this.lmHeadF32 = half ? lmHead.to(ScalarType.Float) : null;
        this.finalNormF32 = half ? finalNorm.to(ScalarType.Float) : null;
    }

    /**
     * Builds the model from tensors in Hugging Face naming.
     *
     * @param source returns a new tensor (any float dtype, CPU) for an HF name, or null when absent; the model
     *               closes what it receives once converted, so peak memory stays near one copy of the weights
     */
    public static LlamaModel build(LlamaConfig cfg, Function<String, Tensor> source, Precision precision,
                                   Device device) {
        TensorOptions opts = new TensorOptions(precision.scalarType()).device(new org.bytedeco.pytorch.DeviceOptional(device));
        TensorOptions normOpts = new TensorOptions(residualType(precision, device))
                .device(new org.bytedeco.pytorch.DeviceOptional(device));
        Function<String, Tensor> req = name -> {
            Tensor t = source.apply(name);
            if (t == null) {
                throw new IllegalArgumentException("missing tensor " + name);
            }
            return t;
        };
        // Everything made here belongs to the scope until the model retains it, so a build that fails
        // half-way (a missing or misshapen tensor) frees what it had converted.
        try (PointerScope scope = new PointerScope()) {
            Tensor embed = convert(checkShape(req.apply("model.embed_tokens.weight"), "model.embed_tokens.weight",
                    cfg.vocabSize(), cfg.hiddenSize()), opts);
            Tensor lmHead;
            Tensor head = cfg.tieWordEmbeddings() ? null : source.apply("lm_head.weight");
            if (head == null) {
                if (!cfg.tieWordEmbeddings()) {
                    throw new IllegalArgumentException("missing tensor lm_head.weight (tie_word_embeddings is false)");
                }
                lmHead = embed;
            } else {
                lmHead = convert(checkShape(head, "lm_head.weight", cfg.vocabSize(), cfg.hiddenSize()), opts);
            }
            List<Layer> layers = new ArrayList<>();
            for (int l = 0; l < cfg.numLayers(); l++) {
                String p = "model.layers." + l + ".";
                String a = p + "self_attn.";
                Tensor q = checkShape(req.apply(a + "q_proj.weight"), a + "q_proj.weight", cfg.qDim(), cfg.hiddenSize());
                Tensor k = checkShape(req.apply(a + "k_proj.weight"), a + "k_proj.weight", cfg.kvDim(), cfg.hiddenSize());
                Tensor v = checkShape(req.apply(a + "v_proj.weight"), a + "v_proj.weight", cfg.kvDim(), cfg.hiddenSize());
                Tensor bQkv = null;
                if (cfg.qkvBias()) {
                    bQkv = concat(opts, req.apply(a + "q_proj.bias"), req.apply(a + "k_proj.bias"),
                            req.apply(a + "v_proj.bias"));
                }
                String m = p + "mlp.";
                Tensor gate = checkShape(req.apply(m + "gate_proj.weight"), m + "gate_proj.weight",
                        cfg.intermediateSize(), cfg.hiddenSize());
                Tensor up = checkShape(req.apply(m + "up_proj.weight"), m + "up_proj.weight",
                        cfg.intermediateSize(), cfg.hiddenSize());
                layers.add(new Layer(
                        convert(checkShape(req.apply(p + "input_layernorm.weight"), p + "input_layernorm.weight",
                                cfg.hiddenSize()), normOpts),
                        transposed(concat(opts, q, k, v)), bQkv,
                        transposed(convert(checkShape(req.apply(a + "o_proj.weight"), a + "o_proj.weight",
                                cfg.hiddenSize(), cfg.qDim()), opts)),
                        cfg.oBias() ? convert(req.apply(a + "o_proj.bias"), opts) : null,
                        convert(checkShape(req.apply(p + "post_attention_layernorm.weight"),
                                p + "post_attention_layernorm.weight", cfg.hiddenSize()), normOpts),
                        transposed(concat(opts, gate, up)),
                        transposed(convert(checkShape(req.apply(m + "down_proj.weight"), m + "down_proj.weight",
                                cfg.hiddenSize(), cfg.intermediateSize()), opts))));
            }
            Tensor norm = convert(checkShape(req.apply("model.norm.weight"), "model.norm.weight", cfg.hiddenSize()),
                    normOpts);
            LlamaModel model = new LlamaModel(cfg, precision, device, embed, lmHead, norm, layers);
            model.owned().forEach(Tensor::retainReference);
            return model;
        }
    }

    private static Tensor checkShape(Tensor t, String name, long... expected) {
        long[] actual = Tensors.shape(t);
        if (!java.util.Arrays.equals(actual, expected)) {
            String msg = "tensor " + name + " has shape " + java.util.Arrays.toString(actual) + ", config.json implies "
                    + java.util.Arrays.toString(expected);
            t.close();
            throw new IllegalArgumentException(msg);
        }
        return t;
    }

    private static Tensor convert(Tensor t, TensorOptions opts) {
        Tensor out = t.to(opts, false, true, new org.bytedeco.pytorch.MemoryFormatOptional()).contiguous();
        t.close();
        return out;
    }

    /** (out, in) to contiguous (in, out), closing the input. */
    private static Tensor transposed(Tensor t) {
        Tensor out = t.t().contiguous();
        t.close();
        return out;
    }

    private static Tensor concat(TensorOptions opts, Tensor... parts) {
        Tensor cat = torch.cat(new TensorVector(parts), 0);
        for (Tensor t : parts) {
            t.close();
        }
        return convert(cat, opts);
    }

    public LlamaConfig config() {
        return config;
    }

    public Precision precision() {
        return precision;
    }

    public Device device() {
        return device;
    }

    /** A KV cache for {@code batch} rows of up to {@code capacity} positions, in {@link #attentionType()}. */
    public KvCache newCache(int batch, int capacity) {
        return new KvCache(config, batch, capacity,
                new TensorOptions(attentionType()).device(new org.bytedeco.pytorch.DeviceOptional(device)));
    }

    /**
     * The dtype of attention and of the KV cache. On the CPU it is float32 whatever the compute dtype: the
     * explicit path rounds q.k scores to its dtype before the softmax (fused kernels keep them in float32),
     * and in bf16 that flipped SmolLM2's first answer token; small batched bf16 matmuls are also ~2.5x slower
     * than float32 ones in a decode step.
     */
    public ScalarType attentionType() {
        return device.is_cuda() ? precision.scalarType() : ScalarType.Float;
    }

    /** Bytes a KV cache takes per row and position: keys and values of every layer, in {@link #attentionType()}. */
    public long kvCacheBytesPerPosition() {
        long perElement = attentionType() == ScalarType.Float ? 4 : 2; // float32, or bf16/fp16 on CUDA
        return 2L * config.numLayers() * config.numKvHeads() * config.headDim() * perElement;
    }

    /**
     * All parameters under their Hugging Face names (views into the fused storage; the tied LM head is
     * omitted, as transformers omits it). Close the returned views when done; the weights stay.
     */
    public Map<String, Tensor> weights() {
        Map<String, Tensor> w = new LinkedHashMap<>();
        w.put("model.embed_tokens.weight", embed.alias());
        int q = config.qDim();
        int kv = config.kvDim();
        int inter = config.intermediateSize();
        for (int l = 0; l < layers.size(); l++) {
            Layer L = layers.get(l);
            String p = "model.layers." + l + ".";
            w.put(p + "input_layernorm.weight", L.inputNorm().alias());
            w.put(p + "mlp.down_proj.weight", L.wDownT().t());
            w.put(p + "mlp.gate_proj.weight", L.wGateUpT().narrow(1, 0, inter).t());
            w.put(p + "mlp.up_proj.weight", L.wGateUpT().narrow(1, inter, inter).t());
            w.put(p + "post_attention_layernorm.weight", L.postNorm().alias());
            w.put(p + "self_attn.k_proj.weight", L.wQkvT().narrow(1, q, kv).t());
            if (L.bQkv() != null) {
                w.put(p + "self_attn.k_proj.bias", L.bQkv().narrow(0, q, kv));
                w.put(p + "self_attn.q_proj.bias", L.bQkv().narrow(0, 0, q));
                w.put(p + "self_attn.v_proj.bias", L.bQkv().narrow(0, q + kv, kv));
            }
            w.put(p + "self_attn.o_proj.weight", L.wOT().t());
            if (L.bO() != null) {
                w.put(p + "self_attn.o_proj.bias", L.bO().alias());
            }
            w.put(p + "self_attn.q_proj.weight", L.wQkvT().narrow(1, 0, q).t());
            w.put(p + "self_attn.v_proj.weight", L.wQkvT().narrow(1, q + kv, kv).t());
        }
        w.put("model.norm.weight", finalNorm.alias());
        if (lmHead != embed) {
            w.put("lm_head.weight", lmHead.alias());
        }
        return w;
    }

    /**
     * One forward pass.
     *
     * @param ids       (B, T) int64 token ids
     * @param positions (B, T) int64 rotary positions
     * @param cache     null for a cache-free pass; else k/v of this chunk are stored at {@code [start, start+T)}
     * @param start     cache offset of this chunk
     * @param mask      (B, 1, T, start+T) bool, true = may attend; null for plain causal attention from
     *                  position 0 (or a single query that sees every cached key)
     * @param lastOnly  compute logits for the last position only (all generation needs)
     * @return float32 logits (B, T or 1, vocab), owned by the caller
     */
    public Tensor forward(Tensor ids, Tensor positions, KvCache cache, int start, Tensor mask, boolean lastOnly) {
        long b = ids.size(0);
        long t = ids.size(1);
        if (mask == null && t > 1 && start != 0) {
            throw new IllegalArgumentException("a multi-token chunk after position 0 needs an explicit mask");
        }
        Tensor logits;
        try (PointerScope scope = new PointerScope()) {
            Tensor x = torch.embedding(embed, ids).to(residualType(precision, device)); // (B, T, hidden)
            Tensor[] cs = rope.cosSin(positions, precision.scalarType());
            boolean explicit = Attention.useExplicit(device.is_cuda(), t);
            // the explicit path takes the mask in additive form, the fused path as it is
            Tensor bias = explicit && mask != null ? Attention.additiveMask(mask.logical_not().unsqueeze(1),
                    config.numKvHeads(), config.numHeads() / config.numKvHeads(), attentionType()) : null;
            for (int l = 0; l < layers.size(); l++) {
                x = block(l, layers.get(l), x, cs[0], cs[1], cache, start, explicit ? bias : mask, explicit,
                        b, t, null, attentionType());
            }
            if (lastOnly) {
                x = x.narrow(1, t - 1, 1);
            }
            if (lmHeadF32 != null && lastOnly) {
                logits = refinedHead(x);
            } else if (lmHeadF32 != null) {
                logits = torch.linear(rmsNorm(x.to(ScalarType.Float), finalNormF32), lmHeadF32);
            } else {
                logits = head(rmsNorm(x, finalNorm).to(precision.scalarType()));
            }
            logits.retainReference(); // survives the scope; the caller closes it
        }
        return logits;
    }

    /** The fused projections of a block, in the order {@link #block} applies them. */
    public enum Projection {
        /** q, k, v side by side: output columns [0, q_dim), [q_dim, q_dim + kv_dim), then v */
        QKV,
        O,
        /** gate then up: output columns [0, intermediate), [intermediate, 2 intermediate) */
        GATE_UP,
        DOWN
    }

    /** Adds a delta to a projection's output (LoRA during training); must be differentiable. */
    @FunctionalInterface
    public interface ProjectionHook {
        /**
         * @param in  the projection's input (..., in) in the compute dtype
         * @param out the base output (..., out)
         * @return {@code out} plus the delta (or {@code out} itself)
         */
        Tensor apply(int layer, Projection projection, Tensor in, Tensor out);
    }

    /**
     * The training forward pass: causal attention from position 0 with no cache, every op recorded by autograd
     * when gradients are enabled. On the CPU, rows up to 256 tokens take the explicit attention path in the
     * compute dtype, longer ones the fused kernel in {@link #attentionType()} (see Attention). Right padding
     * needs no mask: with causal attention no real token sees a later pad.
     *
     * @param ids  (B, T) int64
     * @param hook LoRA's deltas, or null
     * @return the final-normed hidden states (B, T, hidden) in the residual dtype (float32 on the CPU); the
     *         tensor lives in the caller's PointerScope
     */
    public Tensor hiddenStates(Tensor ids, ProjectionHook hook) {
        return decode(embedInputs(ids), hook, null);
    }

    /**
     * The input embeddings of {@code ids}, (B, T, hidden) in the residual dtype: the first step of
     * {@link #hiddenStates}. Recorded by autograd when the embedding table trains; a caller that wants the
     * gradient with respect to the embeddings themselves (adversarial perturbations, as in CROW) detaches the
     * result and marks it as requiring grad. Lives in the caller's PointerScope.
     *
     * @param ids (B, T) int64
     */
    public Tensor embedInputs(Tensor ids) {
        return torch.embedding(embed, ids).to(residualType(precision, device));
    }

    /**
     * A training forward pass that also keeps every decoder layer's output.
     *
     * @param hidden      (B, T, hidden) final-normed states, exactly what {@link #hiddenStates} returns for the
     *                    same embeddings
     * @param layerStates L tensors (B, T, hidden), the residual stream after decoder layer 1 .. L (before the
     *                    final norm), in the residual dtype, part of the autograd graph
     */
    public record Trace(Tensor hidden, List<Tensor> layerStates) {}

    /**
     * {@link #hiddenStates} from caller-supplied input embeddings (from {@link #embedInputs}, possibly perturbed
     * or requiring grad), keeping each layer's output as well. Same attention paths and speed as
     * {@link #hiddenStates}; the tensors live in the caller's PointerScope.
     *
     * @param embeddings (B, T, hidden) in the residual dtype
     * @param hook       LoRA's deltas, or null
     */
    public Trace trace(Tensor embeddings, ProjectionHook hook) {
        List<Tensor> states = new ArrayList<>(layers.size());
        Tensor hidden = decode(embeddings, hook, states);
        return new Trace(hidden, List.copyOf(states));
    }

    /**
     * The decoder stack of the training forward: rope, the layers, the final norm.
     *
     * @param x      (B, T, hidden) input embeddings in the residual dtype
     * @param states receives each layer's output (B, T, hidden), or null
     */
    private Tensor decode(Tensor x, ProjectionHook hook, List<Tensor> states) {
        long b = x.size(0);
        long t = x.size(1);
        Tensor positions = torch.arange(new org.bytedeco.pytorch.Scalar(t),
                new TensorOptions(ScalarType.Long).device(new org.bytedeco.pytorch.DeviceOptional(device)))
                .unsqueeze(0).expand(b, t);
        Tensor[] cs = rope.cosSin(positions, precision.scalarType());
        boolean explicit = Attention.explicitForTraining(device.is_cuda(), t);
        Tensor bias = explicit ? Attention.causalBias(t, config.numHeads() / config.numKvHeads(),
                precision.scalarType()) : null;
        ScalarType at = explicit ? precision.scalarType() : attentionType();
        for (int l = 0; l < layers.size(); l++) {
            x = block(l, layers.get(l), x, cs[0], cs[1], null, 0, bias, explicit, b, t, hook, at);
            if (states != null) {
                states.add(x);
            }
        }
        return rmsNorm(x, finalNorm);
    }

    /**
     * LM-head logits of hidden states (N, hidden) from {@link #hiddenStates}: the head runs in the compute
     * dtype, the result is float32 (for a float32 cross-entropy).
     */
    public Tensor headLogits(Tensor hidden) {
        return torch.linear(hidden.to(precision.scalarType()), lmHead).to(ScalarType.Float);
    }

    /** The LM head's weight (vocab, hidden) in the compute dtype: the embedding itself when tied. */
    public Tensor lmHeadWeight() {
        return lmHead;
    }

    /**
     * The tensors the model computes with, by internal name ({@code embed}, {@code layers.N.wQkvT}, ...;
     * projections fused and stored (in, out), see {@link Layer}), in a fixed order. A full fine-tune trains
     * these in place; call {@link #refreshDerived()} after changing them.
     */
    public Map<String, Tensor> storage() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("embed", embed);
        for (int l = 0; l < layers.size(); l++) {
            Layer L = layers.get(l);
            String p = "layers." + l + ".";
            s.put(p + "inputNorm", L.inputNorm());
            s.put(p + "wQkvT", L.wQkvT());
            if (L.bQkv() != null) {
                s.put(p + "bQkv", L.bQkv());
            }
            s.put(p + "wOT", L.wOT());
            if (L.bO() != null) {
                s.put(p + "bO", L.bO());
            }
            s.put(p + "postNorm", L.postNorm());
            s.put(p + "wGateUpT", L.wGateUpT());
            s.put(p + "wDownT", L.wDownT());
        }
        s.put("finalNorm", finalNorm);
        if (lmHead != embed) {
            s.put("lmHead", lmHead);
        }
        return s;
    }

    /** Recomputes the float32 copies generation uses from the weights, after a fine-tune changed them. */
    public void refreshDerived() {
        if (lmHeadF32 != null) {
            try (NoGradGuard g = new NoGradGuard()) {
                lmHeadF32.copy_(lmHead);
                finalNormF32.copy_(finalNorm);
            }
        }
    }

    /**
     * Whether the backward of a training forward over {@code t} tokens must run with OpenBLAS single-threaded:
     * on the CPU, long rows take the fused attention kernel, whose backward calls GEMMs from OpenMP workers
     * ({@link BlasThreads}).
     */
    public boolean backwardNeedsSingleBlas(long t) {
        return !device.is_cuda() && !Attention.explicitForTraining(false, t);
    }

    /** @param mask the explicit path's additive mask, or the fused path's allowed mask (null: causal) */
    private Tensor block(int index, Layer w, Tensor x, Tensor cos, Tensor sin, KvCache cache, int start,
                         Tensor mask, boolean explicit, long b, long t, ProjectionHook hook, ScalarType at) {
        int q = config.qDim();
        int kv = config.kvDim();
        int d = config.headDim();
        Tensor h = rmsNorm(x, w.inputNorm()).to(precision.scalarType());
        Tensor qkv = project(h, w.wQkvT());
        if (w.bQkv() != null) {
            qkv = qkv.add(w.bQkv());
        }
        qkv = hooked(hook, index, Projection.QKV, h, qkv);
        // split, not three narrows: its backward is one cat, where each narrow's backward zero-fills a whole
        // (B, T, q + 2 kv) gradient and autograd then sums the three
        TensorVector qkvParts = qkv.split(new long[] {q, kv, kv}, -1);
        Tensor qh = qkvParts.get(0).reshape(b, t, config.numHeads(), d).transpose(1, 2);
        Tensor kh = qkvParts.get(1).reshape(b, t, config.numKvHeads(), d).transpose(1, 2);
        Tensor vh = qkvParts.get(2).reshape(b, t, config.numKvHeads(), d).transpose(1, 2);
        qh = Rope.apply(qh, cos, sin);
        kh = Rope.apply(kh, cos, sin);
        if (cache != null) {
            Tensor[] kvAll = cache.append(index, start, kh, vh); // converted into the cache's dtype
            if (start > 0) {
                kh = kvAll[0];
                vh = kvAll[1];
            } // else this chunk's own k/v are the whole history
        }
        qh = qh.to(at);
        kh = kh.to(at);
        vh = vh.to(at);
        Tensor att = explicit ? Attention.explicit(qh, kh, vh, mask, cache == null ? null : cache.spanFrom(),
                cache == null ? null : cache.spanTo())
                : Attention.fused(qh, kh, vh, mask, mask == null && t > 1);
        Tensor merged = att.transpose(1, 2).reshape(b, t, q).to(precision.scalarType());
        Tensor o = project(merged, w.wOT());
        if (w.bO() != null) {
            o = o.add(w.bO());
        }
        o = hooked(hook, index, Projection.O, merged, o);
        x = x.add(o);
        Tensor h2 = rmsNorm(x, w.postNorm()).to(precision.scalarType());
        Tensor gu = hooked(hook, index, Projection.GATE_UP, h2, project(h2, w.wGateUpT()));
        int inter = config.intermediateSize();
        TensorVector guParts = gu.split(new long[] {inter, inter}, -1); // split for the same reason as qkv
        Tensor gate = guParts.get(0);
        Tensor up = guParts.get(1);
        // Without autograd the product can overwrite the gate half of gu: bf16 prefill at batch 32 saves
        // ~4 ms a layer (two fewer 2048 x 1536 allocations); fp32 is unchanged.
        Tensor act = InferenceMode.is_enabled() ? torch.silu_(gate).mul_(up) : torch.silu(gate).mul(up);
        return x.add(hooked(hook, index, Projection.DOWN, act, project(act, w.wDownT())));
    }

    /**
     * {@code in} (..., in) times a projection stored (in, out). A single float32 row on the CPU (a batch-1 decode
     * step) runs as a matrix-vector product: OpenBLAS takes a one-row GEMM through its packing path, 1.5-4x
     * slower than its GEMV (measured on SmolLM2's shapes, 2 cores: 576 x 960 0.40-0.80 against 0.20-0.24 ms,
     * 576 x 3,072 0.95-0.99 against 0.27-0.31 ms). Every other case takes the plain matmul.
     */
    private static Tensor project(Tensor in, Tensor wT) {
        return singleFloatRow(in, wT) ? rowTimes(in, wT.t()) : torch.matmul(in, wT);
    }

    /** The LM head of final-normed states (..., hidden) in the head's dtype; one float32 row as a GEMV, as above. */
    private Tensor head(Tensor h) {
        return singleFloatRow(h, lmHead) ? rowTimes(h, lmHead) : torch.linear(h, lmHead);
    }

    /** One row (1, ..., 1, in) times the transpose of {@code m} (out, in), as a GEMV: (1, ..., 1, out). */
    private static Tensor rowTimes(Tensor row, Tensor m) {
        long[] shape = Tensors.shape(row);
        shape[shape.length - 1] = m.size(0);
        return torch.mv(m, row.reshape(-1)).reshape(shape);
    }

    private static boolean singleFloatRow(Tensor in, Tensor w) {
        return in.numel() == in.size(-1) && !w.is_cuda() && w.scalar_type().intern() == ScalarType.Float
                && in.scalar_type().intern() == ScalarType.Float;
    }

    private static Tensor hooked(ProjectionHook hook, int layer, Projection p, Tensor in, Tensor out) {
        return hook == null ? out : hook.apply(layer, p, in, out);
    }

    /**
     * Last-position logits of a bf16 model: the bf16 head for all tokens (2.4x faster than a float32 one at
     * batch 32), then the {@value #EXACT_TOP} highest recomputed in float32, so greedy picks and near ties
     * are exact while the rest of the distribution carries bf16 rounding (~0.1 at magnitude 25).
     *
     * @param x (B, 1, hidden) in the compute dtype
     */
    private Tensor refinedHead(Tensor x) {
        long b = x.size(0);
        Tensor h = rmsNorm(x.to(ScalarType.Float), finalNormF32);                             // (B, 1, H)
        Tensor approx = torch.linear(h.to(precision.scalarType()), lmHead).to(ScalarType.Float); // (B, 1, V)
        Tensor idx = approx.topk(EXACT_TOP, -1, true, false).get1();                          // (B, 1, K)
        Tensor rows = lmHeadF32.index_select(0, idx.reshape(-1)).reshape(b, EXACT_TOP, -1);   // (B, K, H)
        Tensor exact = torch.matmul(rows, h.transpose(1, 2)).transpose(1, 2);                 // (B, 1, K)
        return approx.scatter_(-1, idx, exact);
    }

    /**
     * The dtype of the residual stream and of RMSNorm. On the CPU it is float32 whatever the compute dtype:
     * libtorch 2.7's bf16 elementwise kernels are slow (rms_norm over 32 x 64 x 576: 1.4 ms in bf16, 0.4 ms in
     * float32), and a float32 residual also loses less; only the matmuls run in bf16.
     */
    static ScalarType residualType(Precision precision, Device device) {
        return device.is_cuda() ? precision.scalarType() : ScalarType.Float;
    }

    /** How many of a bf16 head's top logits {@link #refinedHead} recomputes in float32. */
    static final int EXACT_TOP = 16;

    private Tensor rmsNorm(Tensor x, Tensor weight) {
        return torch.rms_norm(x, new long[] {config.hiddenSize()}, new TensorOptional(weight),
                new DoubleOptional(config.rmsNormEps()));
    }

    /** Every tensor this model owns and frees in {@link #close()}. */
    private List<Tensor> owned() {
        List<Tensor> out = new ArrayList<>(List.of(embed, finalNorm, rope.invFreq()));
        if (lmHead != embed) {
            out.add(lmHead);
        }
        if (lmHeadF32 != null) {
            out.add(lmHeadF32);
            out.add(finalNormF32);
        }
        layers.forEach(l -> out.addAll(l.owned()));
        return out;
    }

    @Override
    public void close() {
        owned().forEach(Tensor::close);
    }
}
