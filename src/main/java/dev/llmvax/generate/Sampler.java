package dev.llmvax.generate;

import dev.llmvax.model.Tensors;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Picks the next token of each row from last-position logits: greedy, or seeded temperature + top-p. */
final class Sampler implements AutoCloseable {
    private final GenerationOptions options;
    private final Generator rng;

    Sampler(GenerationOptions options) {
        this.options = options;
        this.rng = options.greedy() ? null : torch.createCPUGenerator(options.seed());
    }

    /** @param logits (B, vocab) float32; returns one token id per row */
    long[] next(Tensor logits) {
        if (options.greedy()) {
            return Tensors.toLongs(logits.argmax(new org.bytedeco.pytorch.LongOptional(-1), false));
        }
        Tensor probs = logits.div(new org.bytedeco.pytorch.Scalar(options.temperature())).softmax(-1);
        if (options.topP() < 1) {
            T_TensorTensor_T sorted = probs.sort(-1, true);
            Tensor sortedProbs = sorted.get0();
            Tensor order = sorted.get1();
            // Drop a token when the mass before it already reaches top-p (the top token always stays).
            Tensor before = sortedProbs.cumsum(-1).sub(sortedProbs);
            Tensor drop = before.ge(new org.bytedeco.pytorch.Scalar(options.topP()));
            Tensor kept = sortedProbs.masked_fill(drop, new org.bytedeco.pytorch.Scalar(0.0));
            Tensor pick = torch.multinomial(kept, 1, false, new GeneratorOptional(rng)); // (B, 1) index into order
            return Tensors.toLongs(order.gather(-1, pick).squeeze(-1));
        }
        return Tensors.toLongs(torch.multinomial(probs, 1, false, new GeneratorOptional(rng)).squeeze(-1));
    }

    @Override
    public void close() {
        if (rng != null) {
            rng.close();
        }
    }
}
