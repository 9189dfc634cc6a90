package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class KvCacheTest {
    private static final LlamaConfig C = TinyModels.config();
    private static final TensorOptions F32 = new TensorOptions(ScalarType.Float);

    @Test
    void putRowsCopiesThePartRightAlignedAndZeroesTheSlotsBeforeIt() {
        try (PointerScope s = new PointerScope();
             KvCache big = new KvCache(C, 4, 8, F32);
             KvCache part = new KvCache(C, 2, 3, F32)) {
            for (int l = 0; l < C.numLayers(); l++) {
                big.keys(l).fill_(new org.bytedeco.pytorch.Scalar(Float.NaN)); // what reused memory may hold
                big.values(l).fill_(new org.bytedeco.pytorch.Scalar(Float.NaN));
                part.keys(l).copy_(torch.randn(part.keys(l).sizes().vec().get()));
                part.values(l).copy_(torch.randn(part.values(l).sizes().vec().get()));
            }
            big.putRows(1, 4, part);
            for (int l = 0; l < C.numLayers(); l++) {
                for (boolean keys : new boolean[] {true, false}) {
                    Tensor whole = keys ? big.keys(l) : big.values(l);
                    Tensor from = keys ? part.keys(l) : part.values(l);
                    Tensor rows = whole.narrow(0, 1, 2);
                    assertThat(torch.equal(rows.narrow(2, 4, 3), from)).as("layer %d copied", l).isTrue();
                    assertThat(rows.narrow(2, 0, 4).abs().max().item_double()).as("layer %d zeroed", l).isZero();
                    // the rows outside the part are left as they were
                    assertThat(whole.narrow(0, 0, 1).isnan().all().item_bool()).isTrue();
                    assertThat(whole.narrow(0, 3, 1).isnan().all().item_bool()).isTrue();
                    // and so are the part's rows after its slots
                    assertThat(rows.narrow(2, 7, 1).isnan().all().item_bool()).isTrue();
                }
            }
        }
    }

    @Test
    void putRowsRefusesAPartThatDoesNotFit() {
        try (KvCache big = new KvCache(C, 4, 7, F32); KvCache part = new KvCache(C, 2, 3, F32)) {
            assertThatThrownBy(() -> big.putRows(3, 0, part)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("at row 3");
            assertThatThrownBy(() -> big.putRows(0, 5, part)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("slot 5");
        }
    }
}
