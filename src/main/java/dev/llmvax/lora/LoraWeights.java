package dev.llmvax.lora;

import dev.llmvax.model.LlamaConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The trainable half of a LoRA adapter: per adapted module, {@code A} (r, in) and {@code B} (out, r) in
 * float32, keyed by HF module path ({@code model.layers.N.mlp.gate_proj}). The update to the module's weight
 * is {@code config.scale() * B @ A}.
 *
 * <p>Owns its tensors; {@link #close()} frees them.
 */
public final class LoraWeights implements AutoCloseable {
    /** One module's factors. */
    public record Pair(Tensor a, Tensor b) {}

    private final LoraConfig config;
    private final Map<String, Pair> pairs;

    /** Takes ownership of {@code pairs}' tensors (which must outlive any enclosing PointerScope). */
    public LoraWeights(LoraConfig config, Map<String, Pair> pairs) {
        this.config = config;
        this.pairs = Collections.unmodifiableMap(new LinkedHashMap<>(pairs));
    }

    /**
     * PEFT's default initialisation: A uniform in ±1/sqrt(in) (kaiming_uniform with a = sqrt 5), B zero, so the
     * adapter starts as the identity. Seeded: the same seed gives the same A.
     */
    public static LoraWeights init(LlamaConfig model, LoraConfig config, long seed) {
        Map<String, Pair> pairs = new LinkedHashMap<>();
        try (Generator gen = torch.make_generator_cpu(seed); PointerScope scope = new PointerScope()) {
            TensorOptions f32 = new TensorOptions(ScalarType.Float);
            for (int l = 0; l < model.numLayers(); l++) {
                for (String m : config.targets()) {
                    int[] oi = LoraConfig.shapeOf(model, m);
                    double bound = 1.0 / Math.sqrt(oi[1]);
                    Tensor a = torch.empty(new long[] {config.r(), oi[1]}, f32, new org.bytedeco.pytorch.MemoryFormatOptional())
                            .uniform_(-bound, bound, new GeneratorOptional(gen));
                    Tensor b = torch.zeros(new long[] {oi[0], config.r()}, f32);
                    a.retainReference();
                    b.retainReference();
                    pairs.put(LoraConfig.modulePath(l, m), new Pair(a, b));
                }
            }
        }
        return new LoraWeights(config, pairs);
    }

    public LoraConfig config() {
        return config;
    }

    /** An independent copy (same config, cloned factors): training the copy leaves this adapter as it is. */
    public LoraWeights copy() {
        Map<String, Pair> out = new LinkedHashMap<>();
        for (Map.Entry<String, Pair> e : pairs.entrySet()) {
            Tensor a = e.getValue().a().clone();
            Tensor b = e.getValue().b().clone();
            a.retainReference(); // owned by the copy, not by any PointerScope the caller has open
            b.retainReference();
            out.put(e.getKey(), new Pair(a, b));
        }
        return new LoraWeights(config, out);
    }

    /** Module path to factors, in layer then {@link LoraConfig#MODULES} order. */
    public Map<String, Pair> pairs() {
        return pairs;
    }

    /** The pair of {@code module} in {@code layer} (short name), or null when not adapted. */
    public Pair get(int layer, String module) {
        return pairs.get(LoraConfig.modulePath(layer, module));
    }

    /** Every A then B tensor, in a fixed order (the order optimiser state is saved in). */
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>();
        for (Pair p : pairs.values()) {
            out.add(p.a());
            out.add(p.b());
        }
        return out;
    }

    /** Trainable values: the elements of every A and B. */
    public long parameterCount() {
        long n = 0;
        for (Pair p : pairs.values()) {
            n += p.a().numel() + p.b().numel();
        }
        return n;
    }

    @Override
    public void close() {
        for (Pair p : pairs.values()) {
            p.a().close();
            p.b().close();
        }
    }
}
