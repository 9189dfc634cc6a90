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

    /** A decode step's tensors: caches with room for 24 positions, narrowed to the s filled ones, and queries. */
    private record Step(Tensor kCache, Tensor vCache, Tensor k, Tensor v, Tensor q) {
        static Step random(int b, int kv, int g, int s, int vectors, long seed) {
            torch.manual_seed(seed);
            int d = vectors * VectorKernels.lanes();
            Tensor kCache = torch.randn(b, kv, 24, d);
            Tensor vCache = torch.randn(b, kv, 24, d);
            return new Step(kCache, vCache, kCache.narrow(2, 0, s), vCache.narrow(2, 0, s), torch.randn(b, kv * g, 1, d));
        }
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

    /**
     * {@code vectors}: head dim in vector widths (4 or more: the four-vector blocks; fewer: the tail loop).
     * {@code g}: query heads per kv head; the scores take them in threes (one pass over the keys), then singly.
     */
    @ParameterizedTest
    @CsvSource({"3, 3, 3, 13, 8", "3, 3, 3, 13, 3", "1, 1, 4, 6, 2", "2, 2, 1, 1, 4", "5, 1, 2, 20, 5",
        "2, 2, 7, 11, 5", "2, 1, 6, 1, 4"})
    void matchesBatchedMatmulsOnCacheViews(int b, int kv, int g, int s, int vectors) {
        try (PointerScope scope = new PointerScope(); InferenceMode mode = new InferenceMode()) {
            Step st = Step.random(b, kv, g, s, vectors, b * 100 + s);
            Tensor k = st.k();
            Tensor v = st.v();
            Tensor q = st.q();
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

    /** Spans give what their mask gives, and the keys and values outside them are never read. */
    @ParameterizedTest
    @CsvSource({"4, 3, 3, 17, 8", "3, 1, 2, 9, 3", "2, 2, 1, 5, 4", "3, 2, 4, 10, 5"})
    void spansMatchTheirMaskAndReadNothingOutside(int b, int kv, int g, int s, int vectors) {
        try (PointerScope scope = new PointerScope(); InferenceMode mode = new InferenceMode()) {
            Step st = Step.random(b, kv, g, s, vectors, b * 10 + s);
            Tensor kCache = st.kCache();
            Tensor vCache = st.vCache();
            Tensor k = st.k();
            Tensor v = st.v();
            Tensor q = st.q();
            int[] from = new int[b];
            int[] to = new int[b];
            Tensor allowed = torch.zeros(b, 1, 1, s).to(ScalarType.Bool);
            for (int r = 0; r < b; r++) { // spans that start and end at different keys, one covering all
                from[r] = r == 0 ? 0 : Math.min(r, s - 1);
                to[r] = r == 0 ? s : Math.max(from[r] + 1, s - 2 * r);
                allowed.select(0, r).narrow(-1, from[r], to[r] - from[r]).fill_(new Scalar(1));
            }
            Tensor bias = Attention.additiveMask(allowed.logical_not().unsqueeze(1), kv, g, ScalarType.Float);
            Tensor expected = DecodeAttention.attend(q, k, v, bias);
            Tensor spanned = DecodeAttention.attend(q, k, v, bias, from, to);
            assertThat(maxDiff(spanned, expected)).isLessThan(1e-6);
            // NaN outside every span: a key or value read there would turn the result into NaN
            for (int r = 0; r < b; r++) {
                for (Tensor t : new Tensor[] {kCache, vCache}) {
                    t.select(0, r).narrow(1, 0, from[r]).fill_(new Scalar(Float.NaN));
                    t.select(0, r).narrow(1, to[r], 24 - to[r]).fill_(new Scalar(Float.NaN));
                }
            }
            assertThat(maxDiff(DecodeAttention.attend(q, k, v, bias, from, to), expected)).isLessThan(1e-6);
        }
    }

    @Test
    void spansMustFitTheKeys() {
        try (PointerScope scope = new PointerScope(); InferenceMode mode = new InferenceMode()) {
            int d = 2 * VectorKernels.lanes();
            Tensor q = torch.randn(2, 6, 1, d);
            Tensor k = torch.randn(2, 3, 5, d);
            assertThatThrownBy(() -> DecodeAttention.attend(q, k, k, null, new int[] {0, 0}, new int[] {5, 6}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("span [0, 6) of row 1");
            assertThatThrownBy(() -> DecodeAttention.attend(q, k, k, null, new int[] {0}, new int[] {5}))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("each of 2 rows");
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
