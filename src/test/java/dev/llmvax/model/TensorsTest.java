package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.Test;

class TensorsTest {
    private static final float[] VALUES = {1.5f, -2f, 0.25f, 3f, -0f, 7f};

    @Test
    void copiesFromHeapAndNativeSegments() {
        MemorySegment heap = MemorySegment.ofArray(VALUES.clone());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nat = arena.allocateFrom(ValueLayout.JAVA_FLOAT, VALUES);
            for (MemorySegment seg : new MemorySegment[] {heap, nat}) {
                try (Tensor t = Tensors.fromSegment(seg, ScalarType.Float, 2, 3)) {
                    assertThat(Tensors.shape(t)).containsExactly(2, 3);
                    assertThat(Tensors.toFloats(t)).containsExactly(VALUES);
                }
            }
        }
    }

    @Test
    void ownsItsStorage() {
        float[] src = VALUES.clone();
        try (Tensor t = Tensors.fromFloats(src, 6)) {
            src[0] = 99f;
            assertThat(Tensors.toFloats(t)[0]).isEqualTo(1.5f);
        }
    }

    @Test
    void bytesRoundTripThroughBf16() {
        try (Tensor t = Tensors.fromFloats(VALUES, 3, 2)) {
            MemorySegment bf16 = Tensors.toSegment(t, ScalarType.BFloat16);
            assertThat(bf16.byteSize()).isEqualTo(12);
            try (Tensor back = Tensors.fromSegment(bf16, ScalarType.BFloat16, 3, 2)) {
                assertThat(Tensors.toFloats(back)).containsExactly(VALUES); // all exactly representable
            }
        }
    }

    @Test
    void wrongCountsAreRefused() {
        assertThatThrownBy(() -> Tensors.fromFloats(VALUES, 4, 2)).hasMessageContaining("holds 8 values, found 6");
        assertThatThrownBy(() -> Tensors.fromSegment(MemorySegment.ofArray(VALUES), ScalarType.Float, 7))
                .hasMessageContaining("needs 28 bytes, found 24");
    }
}
