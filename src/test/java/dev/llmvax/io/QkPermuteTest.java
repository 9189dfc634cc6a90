package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class QkPermuteTest {

    @Test
    void handWorkedExampleOneHeadFourRows() {
        // rows [0,1,2,3] as (n_head=1, 2, half=2, cols) = [[r0,r1],[r2,r3]]; swapaxes -> [[r0,r2],[r1,r3]].
        float[] w = {0, 0, 1, 1, 2, 2, 3, 3}; // 4 rows x 2 cols, each row filled with its index
        assertThat(QkPermute.permute(w, 4, 2, 1)).containsExactly(0, 0, 2, 2, 1, 1, 3, 3);
        assertThat(QkPermute.unpermute(w, 4, 2, 1)).containsExactly(0, 0, 2, 2, 1, 1, 3, 3);
    }

    @Test
    void handWorkedExampleTwoHeadsSixRowsEach() {
        // per head of 6 rows (half = 3): permute gives [0,3,1,4,2,5]; unpermute gives [0,2,4,1,3,5].
        float[] w = new float[12];
        for (int i = 0; i < 12; i++) {
            w[i] = i;
        }
        assertThat(QkPermute.permute(w, 12, 1, 2)).containsExactly(0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11);
        assertThat(QkPermute.unpermute(w, 12, 1, 2)).containsExactly(0, 2, 4, 1, 3, 5, 6, 8, 10, 7, 9, 11);
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> QkPermute.permute(new float[6], 3, 2, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QkPermute.permute(new float[7], 4, 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Property(tries = 100)
    void floatRoundTrip(@ForAll @IntRange(min = 1, max = 6) int nHead, @ForAll @IntRange(min = 1, max = 8) int halfRows,
            @ForAll @IntRange(min = 1, max = 9) int cols, @ForAll long seed) {
        int rows = nHead * halfRows * 2;
        float[] w = TestFiles.randomFloats(new Random(seed), rows * cols, 1);
        float[] p = QkPermute.permute(w, rows, cols, nHead);
        assertThat(QkPermute.unpermute(p, rows, cols, nHead)).containsExactly(w);
        assertThat(QkPermute.permute(QkPermute.unpermute(w, rows, cols, nHead), rows, cols, nHead)).containsExactly(w);
        if (halfRows > 1) {
            assertThat(p).isNotEqualTo(w);
        }
    }

    @Property(tries = 100)
    void rowBytesMatchFloatVersion(@ForAll @IntRange(min = 1, max = 4) int nHead,
            @ForAll @IntRange(min = 1, max = 6) int halfRows, @ForAll @IntRange(min = 1, max = 5) int cols,
            @ForAll long seed) {
        int rows = nHead * halfRows * 2;
        float[] w = TestFiles.randomFloats(new Random(seed), rows * cols, 1);
        MemorySegment seg = Dequant.quantize(DType.F32, w);
        MemorySegment p = QkPermute.permuteRows(seg, rows, 4L * cols, nHead);
        assertThat(Dequant.toFloats(DType.F32, p, w.length)).containsExactly(QkPermute.permute(w, rows, cols, nHead));
        MemorySegment back = QkPermute.unpermuteRows(p, rows, 4L * cols, nHead);
        assertThat(back.toArray(ValueLayout.JAVA_BYTE)).containsExactly(seg.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void quantizedRowsCanBeUnpermutedBeforeDequantizing() {
        int rows = 12;
        int cols = 64;
        float[] w = TestFiles.randomFloats(new Random(7), rows * cols, 1);
        MemorySegment q = Dequant.quantize(DType.Q4_1, w);
        float[] viaBytes = Dequant.toFloats(DType.Q4_1, QkPermute.unpermuteRows(q, rows, 2 * 20, 3), w.length);
        float[] viaFloats = QkPermute.unpermute(Dequant.toFloats(DType.Q4_1, q, w.length), rows, cols, 3);
        assertThat(viaBytes).containsExactly(viaFloats);
    }
}
