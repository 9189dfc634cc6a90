package dev.llmvax.model;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * Rotary position embedding in the Hugging Face "rotate half" layout: dimension i pairs with i + head_dim/2.
 * (GGUF files store Q/K rows permuted for the interleaved layout; the loader undoes that.)
 */
final class Rope {
    private final Tensor invFreq; // (head_dim/2) float32

    Rope(LlamaConfig cfg) {
        this.invFreq = Tensors.fromFloats(inverseFrequencies(cfg), cfg.headDim() / 2);
    }

    /** theta^(-2i/d), float32 arithmetic as transformers does it, then Llama 3 or linear scaling. */
    static float[] inverseFrequencies(LlamaConfig cfg) {
        int half = cfg.headDim() / 2;
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / cfg.headDim();
            f[i] = (float) (1.0 / (float) Math.pow(cfg.ropeTheta(), exponent));
        }
        LlamaConfig.RopeScaling s = cfg.ropeScaling();
        if (s == null) {
            return f;
        }
        if (s.type().equals("linear")) {
            for (int i = 0; i < half; i++) {
                f[i] = (float) (f[i] / s.factor());
            }
            return f;
        }
        // Llama 3.1: long wavelengths scaled by factor, short ones kept, a smooth blend between.
        double lowWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        for (int i = 0; i < half; i++) {
            double wavelen = 2 * Math.PI / f[i];
            if (wavelen > lowWavelen) {
                f[i] = (float) (f[i] / s.factor());
            } else if (wavelen >= highWavelen) {
                double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                        / (s.highFreqFactor() - s.lowFreqFactor());
                f[i] = (float) ((1 - smooth) * f[i] / s.factor() + smooth * f[i]);
            }
        }
        return f;
    }

    /** cos and sin, each (B, 1, T, head_dim) in {@code type}, for int64 positions (B, T). */
    Tensor[] cosSin(Tensor positions, ScalarType type) {
        // (B, T, 1) * (head_dim/2) -> (B, T, head_dim/2), computed in float32 like transformers
        Tensor freqs = positions.to(ScalarType.Float).unsqueeze(-1).mul(invFreq);
        Tensor emb = torch.cat(new TensorVector(freqs, freqs), -1).unsqueeze(1);
        return new Tensor[] {emb.cos().to(type), emb.sin().to(type)};
    }

    /** x * cos + rotate_half(x) * sin for x (B, heads, T, head_dim). */
    static Tensor apply(Tensor x, Tensor cos, Tensor sin) {
        long half = x.size(-1) / 2;
        Tensor x1 = x.narrow(-1, 0, half);
        Tensor x2 = x.narrow(-1, half, half);
        Tensor rotated = torch.cat(new TensorVector(x2.neg(), x1), -1);
        return x.mul(cos).add(rotated.mul(sin));
    }

    /** The (head_dim/2) float32 frequencies; the model that owns this Rope frees them. */
    Tensor invFreq() {
        return invFreq;
    }
}
