package dev.llmvax.train;

import dev.llmvax.lora.LoraConfig;
import dev.llmvax.lora.LoraWeights;
import dev.llmvax.model.LlamaConfig;
import dev.llmvax.model.LlamaModel.Projection;
import dev.llmvax.model.LlamaModel.ProjectionHook;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * LoRA on the engine's fused projections: {@code out + scale * dropout(x) @ A^T @ B^T} for each adapted module.
 *
 * <p>The modules sharing one fused matmul (q/k/v, gate/up) share their adapter matmuls too: their A's are
 * stacked into one (sum r, in) factor and their B's placed block-diagonally into a (sum r, out) factor with
 * zeros elsewhere, so a fused projection costs two small matmuls whatever the number of adapted modules.
 */
public final class LoraHook implements ProjectionHook {
    private final LoraWeights weights;
    private final LlamaConfig config;
    private final ScalarType computeType;
    private final boolean training;

    /**
     * @param training apply dropout (a training step); false for evaluation
     */
    public LoraHook(LoraWeights weights, LlamaConfig config, ScalarType computeType, boolean training) {
        this.weights = weights;
        this.config = config;
        this.computeType = computeType;
        this.training = training;
    }

    /** The modules of a fused projection, in output-column order. */
    static List<String> modules(Projection p) {
        return switch (p) {
            case QKV -> List.of("q_proj", "k_proj", "v_proj");
            case O -> List.of("o_proj");
            case GATE_UP -> List.of("gate_proj", "up_proj");
            case DOWN -> List.of("down_proj");
        };
    }

    @Override
    public Tensor apply(int layer, Projection projection, Tensor in, Tensor out) {
        LoraConfig lc = weights.config();
        List<String> mods = modules(projection);
        List<Tensor> as = new ArrayList<>();
        List<Tensor> bRows = new ArrayList<>();
        long width = out.size(-1);
        long offset = 0;
        TensorOptions opts = new TensorOptions(computeType);
        for (String m : mods) {
            long rows = LoraConfig.shapeOf(config, m)[0];
            LoraWeights.Pair pair = weights.get(layer, m);
            if (pair != null) {
                as.add(pair.a().to(computeType));
                Tensor bT = pair.b().to(computeType).t();                          // (r, rows)
                if (rows != width) {                                               // place it among zero blocks
                    List<Tensor> parts = new ArrayList<>();
                    if (offset > 0) {
                        parts.add(torch.zeros(new long[] {lc.r(), offset}, opts));
                    }
                    parts.add(bT);
                    if (offset + rows < width) {
                        parts.add(torch.zeros(new long[] {lc.r(), width - offset - rows}, opts));
                    }
                    bT = torch.cat(new TensorVector(parts.toArray(new Tensor[0])), 1);
                }
                bRows.add(bT);
            }
            offset += rows;
        }
        if (as.isEmpty()) {
            return out;
        }
        Tensor a = as.size() == 1 ? as.get(0) : torch.cat(new TensorVector(as.toArray(new Tensor[0])), 0);
        Tensor b = bRows.size() == 1 ? bRows.get(0) : torch.cat(new TensorVector(bRows.toArray(new Tensor[0])), 0);
        Tensor x = training && lc.dropout() > 0 ? torch.dropout(in, lc.dropout(), true) : in;
        Tensor delta = torch.matmul(torch.matmul(x.to(computeType), a.t()), b);
        return out.add(delta.to(out.scalar_type()), new Scalar(lc.scale()));
    }
}
