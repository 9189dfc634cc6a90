package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

/** The explicit grouped-query path computes what libtorch's fused kernel computes. */
class AttentionTest {
    static {
        Engine.init();
    }

    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    @Test
    void causalPrefillMatchesFusedKernel() {
        try (PointerScope s = new PointerScope(); InferenceMode g = new InferenceMode()) {
            torch.manual_seed(1);
            Tensor q = torch.randn(2, 6, 5, 8);
            Tensor k = torch.randn(2, 3, 5, 8);
            Tensor v = torch.randn(2, 3, 5, 8);
            Tensor blocked = torch.ones(5, 5).to(ScalarType.Bool).triu(1).reshape(1, 1, 1, 5, 5);
            Tensor fused = Attention.fused(q, k, v, null, true);
            Tensor bias = Attention.additiveMask(blocked, 3, 2, ScalarType.Float);
            assertThat(maxDiff(Attention.explicit(q, k, v, bias), fused)).isLessThan(1e-5);
            // and the test can fail: without the mask the outputs differ
            assertThat(maxDiff(Attention.explicit(q, k, v, null), fused)).isGreaterThan(1e-3);
        }
    }

    @Test
    void paddedDecodeMatchesFusedKernel() {
        try (PointerScope s = new PointerScope(); InferenceMode g = new InferenceMode()) {
            torch.manual_seed(2);
            Tensor q = torch.randn(2, 6, 1, 8);
            Tensor k = torch.randn(2, 3, 7, 8);
            Tensor v = torch.randn(2, 3, 7, 8);
            // row 0 has 2 padded keys, row 1 none
            Tensor allowed = torch.ones(2, 1, 1, 7).to(ScalarType.Bool);
            allowed.select(0, 0).narrow(-1, 0, 2).fill_(new org.bytedeco.pytorch.Scalar(0));
            Tensor fused = Attention.fused(q, k, v, allowed, false);
            Tensor bias = Attention.additiveMask(allowed.logical_not().unsqueeze(1), 3, 2, ScalarType.Float);
            Tensor explicit = Attention.explicit(q, k, v, bias);
            assertThat(maxDiff(explicit, fused)).isLessThan(1e-5);
        }
    }
}
