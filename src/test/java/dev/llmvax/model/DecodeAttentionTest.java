package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.InferenceMode;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Vector API decode attention computes what the batched matmuls compute, straight from cache views. */
class DecodeAttentionTest {
    static {
        Engine.init();
    }

    private static double maxDiff(Tensor a, Tensor b) {
        return a.sub(b).abs().max().item_float();
    }

    @Test
    void theTestJvmHasTheVectorApi() {
        // surefire passes --add-modules jdk.incubator.vector, as the launcher does; without it every test
        // below would pass through the fallback and check nothing
        assertThat(DecodeAttention.enabled()).isTrue();
    }

    /** {@code vectors}: head dim in vector widths (4 or more: the four-vector blocks; fewer: the tail loop). */
    @ParameterizedTest
    @CsvSource({"3, 3, 3, 13, 8", "3, 3, 3, 13, 3", "1, 1, 4, 6, 2", "2, 2, 1, 1, 4", "5, 1, 2, 20, 5"})
    void matchesBatchedMatmulsOnCacheViews(int b, int kv, int g, int s, int vectors) {
        try (PointerScope scope = new PointerScope(); InferenceMode mode = new InferenceMode()) {
            torch.manual_seed(b * 100 + s);
            int d = vectors * VectorKernels.lanes();
            // a cache with room for 24 positions, narrowed to the s filled ones, as a decode step sees it
            Tensor kCache = torch.randn(b, kv, 24, d);
            Tensor vCache = torch.randn(b, kv, 24, d);
            Tensor k = kCache.narrow(2, 0, s);
            Tensor v = vCache.narrow(2, 0, s);
            Tensor q = torch.randn(b, kv * g, 1, d);
            assertThat(DecodeAttention.accepts(q, k, v)).isTrue();
            Tensor plain = Attention.batchedMatmul(q, k, v, null);
            assertThat(maxDiff(DecodeAttention.attend(q, k, v, null), plain)).isLessThan(1e-5);

            // left padding: row 0 may not see its first key(s)
            Tensor allowed = torch.ones(b, 1, 1, s).to(ScalarType.Bool);
            if (s > 1) {
                allowed.select(0, 0).narrow(-1, 0, Math.min(2, s - 1)).fill_(new Scalar(0));
            }
            Tensor bias = Attention.additiveMask(allowed.logical_not().unsqueeze(1), kv, g, ScalarType.Float);
            Tensor masked = DecodeAttention.attend(q, k, v, bias);
            assertThat(maxDiff(masked, Attention.batchedMatmul(q, k, v, bias))).isLessThan(1e-5);
            if (s > 1) { // the mask is honoured: row 0 differs from the unmasked result
                assertThat(maxDiff(masked.select(0, 0), plain.select(0, 0))).isGreaterThan(1e-4);
            }
        }
    }

    @Test
    void refusesWhatItCannotRead() {
        try (PointerScope scope = new PointerScope(); InferenceMode mode = new InferenceMode()) {
            int d = 2 * VectorKernels.lanes();
            Tensor q = torch.randn(2, 6, 1, d);
            Tensor k = torch.randn(2, 3, 5, d);
            Tensor v = torch.randn(2, 3, 5, d);
            assertThat(DecodeAttention.accepts(q, k, v)).isTrue();
            // two queries per row: a prefill chunk
            assertThat(DecodeAttention.accepts(torch.randn(2, 6, 2, d), k, v)).isFalse();
            // bf16
            assertThat(DecodeAttention.accepts(q.to(ScalarType.BFloat16), k, v)).isFalse();
            // keys whose rows are not contiguous (a transposed view)
            Tensor kT = torch.randn(2, 3, d, 5).transpose(2, 3);
            assertThat(DecodeAttention.accepts(q, kT, v)).isFalse();
            // blocks at two different strides: rows of a batch-first layout viewed head-first
            Tensor kMixed = torch.randn(3, 2, 5, d).transpose(0, 1);
            assertThat(DecodeAttention.accepts(q, kMixed, v)).isFalse();
            // a head dim the vector width does not divide
            assertThat(DecodeAttention.accepts(torch.randn(2, 6, 1, d + 1), torch.randn(2, 3, 5, d + 1),
                    torch.randn(2, 3, 5, d + 1))).isFalse();
            assertThatThrownBy(() -> DecodeAttention.attend(q, kT, v, null)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void leavesGradientsToAutograd() {
        try (PointerScope scope = new PointerScope()) {
            int d = 2 * VectorKernels.lanes();
            Tensor q = torch.randn(2, 6, 1, d).requires_grad_(true);
            assertThat(DecodeAttention.accepts(q, torch.randn(2, 3, 5, d), torch.randn(2, 3, 5, d))).isFalse();
        }
    }
}
