package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    private static final LlamaConfig C = TinyModels.config();
    private static final TensorOptions F32 = new TensorOptions(ScalarType.Float);

    @Test
    void putRowsCopiesThePartIntoTheGivenRowsFromSlotZero() {
        try (PointerScope s = new PointerScope();
             KvCache big = new KvCache(C, 4, 8, F32);
             KvCache part = new KvCache(C, 2, 3, F32)) {
            fill(big, Float.NaN); // what reused memory may hold
            for (int l = 0; l < C.numLayers(); l++) {
                part.keys(l).copy_(torch.randn(part.keys(l).sizes().vec().get()));
                part.values(l).copy_(torch.randn(part.values(l).sizes().vec().get()));
            }
            big.putRows(new long[] {3, 1}, part);
            for (int l = 0; l < C.numLayers(); l++) {
                for (boolean keys : new boolean[] {true, false}) {
                    Tensor whole = keys ? big.keys(l) : big.values(l);
                    Tensor from = keys ? part.keys(l) : part.values(l);
                    assertThat(torch.equal(whole.select(0, 3).narrow(1, 0, 3), from.select(0, 0)))
                            .as("layer %d, part row 0 in row 3", l).isTrue();
                    assertThat(torch.equal(whole.select(0, 1).narrow(1, 0, 3), from.select(0, 1)))
                            .as("layer %d, part row 1 in row 1", l).isTrue();
                    // the other rows, and the given rows' later slots, are left as they were
                    assertThat(whole.select(0, 0).isnan().all().item_bool()).isTrue();
                    assertThat(whole.select(0, 2).isnan().all().item_bool()).isTrue();
                    assertThat(whole.select(0, 1).narrow(1, 3, 5).isnan().all().item_bool()).isTrue();
                }
            }
        }
    }

    @Test
    void putRowsRefusesAPartThatDoesNotFit() {
        try (KvCache big = new KvCache(C, 4, 7, F32);
             KvCache part = new KvCache(C, 2, 3, F32);
             KvCache wide = new KvCache(C, 2, 8, F32)) {
            assertThatThrownBy(() -> big.putRows(new long[] {0}, part)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("into 1 rows");
            assertThatThrownBy(() -> big.putRows(new long[] {0, 4}, part))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 4");
            assertThatThrownBy(() -> big.putRows(new long[] {0, 1}, wide))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 x 8");
        }
    }

    /** With spans ending at different slots, each row's token lands at its own slot; without, all at start. */
    @Test
    void appendWritesEachRowAtItsOwnSlot() {
        try (PointerScope s = new PointerScope(); KvCache cache = new KvCache(C, 3, 6, F32)) {
            fill(cache, 0);
            Tensor k = torch.randn(3, C.numKvHeads(), 1, C.headDim());
            Tensor v = torch.randn(3, C.numKvHeads(), 1, C.headDim());
            cache.spans(new int[] {0, 2, 1}, new int[] {1, 4, 2});
            assertThat(cache.spanFrom()).containsExactly(0, 2, 1);
            assertThat(cache.spanTo()).containsExactly(2, 5, 3);
            Tensor[] views = cache.append(0, 4, k, v);
            assertThat(views[0].size(2)).isEqualTo(5);
            long[] slots = {1, 4, 2};
            for (int r = 0; r < 3; r++) {
                assertThat(torch.equal(cache.keys(0).select(0, r).narrow(1, slots[r], 1), k.select(0, r)))
                        .as("keys of row %d", r).isTrue();
                assertThat(torch.equal(cache.values(0).select(0, r).narrow(1, slots[r], 1), v.select(0, r)))
                        .as("values of row %d", r).isTrue();
                // nothing else written: every other slot of the row is still zero
                assertThat(cache.keys(0).select(0, r).abs().sum().item_double())
                        .isEqualTo(k.select(0, r).abs().sum().item_double(), org.assertj.core.data.Offset.offset(1e-4));
            }
            cache.spans(new int[] {0, 0, 0}, new int[] {3, 3, 3}); // one end: a plain write at start
            cache.append(1, 3, k, v);
            assertThat(torch.equal(cache.keys(1).narrow(2, 3, 1), k)).isTrue();
            cache.spans(null, null);
            assertThat(cache.spanFrom()).isNull();
            cache.append(1, 5, k, v);
            assertThat(torch.equal(cache.keys(1).narrow(2, 5, 1), k)).isTrue();
        }
    }

    @Test
    void spansMustFitTheCache() {
        try (KvCache cache = new KvCache(C, 2, 6, F32)) {
            assertThatThrownBy(() -> cache.spans(new int[] {0}, new int[] {1})).isInstanceOf(
                    IllegalArgumentException.class).hasMessageContaining("each of 2 rows");
            assertThatThrownBy(() -> cache.spans(new int[] {0, 0}, new int[] {1, 6})).isInstanceOf(
                    IllegalArgumentException.class).hasMessageContaining("span [0, 6] of row 1");
            assertThatThrownBy(() -> cache.spans(new int[] {0, 3}, new int[] {1, 2})).isInstanceOf(
                    IllegalArgumentException.class).hasMessageContaining("span [3, 2] of row 1");
        }
    }

    private static void fill(KvCache cache, float value) {
        for (int l = 0; l < C.numLayers(); l++) {
            cache.keys(l).fill_(new Scalar(value));
            cache.values(l).fill_(new Scalar(value));
        }
    }
}
