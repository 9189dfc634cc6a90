package dev.llmvax.bench;

import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel;
import dev.llmvax.model.Precision;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/** Random-weight models of a given shape, for speed measurements (only the ratio to a reference means anything). */
public final class RandomLlama {
    static {
        dev.llmvax.model.Engine.init();
    }

    private RandomLlama() {
    }

    /** SmolLM2-135M's shape, the one the reference scripts default to. */
    public static LlamaConfig smolLm2Shape() {
        return new LlamaConfig("LlamaForCausalLM", "llama", 49152, 576, 1536, 30, 9, 3, 64, 1e-5, 100000.0, null,
                true, false, false, 8192, 1, List.of(2), 2, 0, "random-smollm2-shape");
    }

    /** Weights drawn N(0, 1/fan_in) like the reference, norms 1, seeded. */
    public static LlamaModel build(LlamaConfig cfg, long seed, Precision precision, Device device) {
        try (Generator g = torch.createCPUGenerator(seed)) {
            return LlamaModel.build(cfg, name -> {
                long[] shape = shapeOf(cfg, name);
                if (shape.length == 1) {
                    return torch.ones(shape).to(ScalarType.Float);
                }
                Tensor t = torch.randn(shape, new GeneratorOptional(g), new TensorOptions(ScalarType.Float));
                t.mul_(new Scalar(1.0 / Math.sqrt(shape[1])));
                return t;
            }, precision, device);
        }
    }

    /** The shape of the HF-named tensor {@code name} in a model of {@code c}. */
    public static long[] shapeOf(LlamaConfig c, String name) {
        if (name.endsWith("layernorm.weight") || name.equals("model.norm.weight")) {
            return new long[] {c.hiddenSize()};
        }
        if (name.contains("embed_tokens") || name.contains("lm_head")) {
            return new long[] {c.vocabSize(), c.hiddenSize()};
        }
        if (name.contains("q_proj")) {
            return new long[] {c.qDim(), c.hiddenSize()};
        }
        if (name.contains("k_proj") || name.contains("v_proj")) {
            return new long[] {c.kvDim(), c.hiddenSize()};
        }
        if (name.contains("o_proj")) {
            return new long[] {c.hiddenSize(), c.qDim()};
        }
        if (name.contains("down_proj")) {
            return new long[] {c.hiddenSize(), c.intermediateSize()};
        }
        return new long[] {c.intermediateSize(), c.hiddenSize()};
    }
}
