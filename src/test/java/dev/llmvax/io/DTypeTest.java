package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DTypeTest {
    private static final Path FILE = Path.of("model.gguf");

    @Test
    void safetensorsNames() {
        assertThat(DType.F32.safetensorsName()).isEqualTo("F32");
        assertThat(DType.F16.safetensorsName()).isEqualTo("F16");
        assertThat(DType.BF16.safetensorsName()).isEqualTo("BF16");
        assertThat(DType.fromSafetensors("BF16")).isEqualTo(DType.BF16);
        assertThatThrownBy(DType.Q8_0::safetensorsName).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> DType.fromSafetensors("I64"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("I64");
    }

    @Test
    void ggmlIds() {
        assertThat(DType.F32.ggmlType()).isZero();
        assertThat(DType.F16.ggmlType()).isEqualTo(1);
        assertThat(DType.Q4_0.ggmlType()).isEqualTo(2);
        assertThat(DType.Q4_1.ggmlType()).isEqualTo(3);
        assertThat(DType.Q8_0.ggmlType()).isEqualTo(8);
        assertThat(DType.BF16.ggmlType()).isEqualTo(30);
        for (DType d : DType.values()) {
            assertThat(DType.fromGgml(d.ggmlType(), "t", FILE)).isEqualTo(d);
        }
    }

    @Test
    void unsupportedGgmlTypesAreNamed() {
        String[][] cases = {{"6", "Q5_0"}, {"10", "Q2_K"}, {"12", "Q4_K"}, {"14", "Q6_K"}, {"23", "IQ4_XS"},
            {"28", "F64"}, {"39", "MXFP4"}, {"99", "type 99"}};
        for (String[] c : cases) {
            assertThatThrownBy(() -> DType.fromGgml(Integer.parseInt(c[0]), "blk.0.attn_q.weight", FILE))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageStartingWith("model.gguf: unsupported tensor type " + c[1]
                            + " in tensor blk.0.attn_q.weight");
        }
    }

    @Test
    void byteSizes() {
        assertThat(DType.F32.byteSize(3)).isEqualTo(12);
        assertThat(DType.BF16.byteSize(3)).isEqualTo(6);
        assertThat(DType.Q8_0.byteSize(64)).isEqualTo(68);
        assertThat(DType.Q4_0.byteSize(64)).isEqualTo(36);
        assertThat(DType.Q4_1.byteSize(96)).isEqualTo(60);
        assertThat(DType.Q4_1.byteSize(0)).isZero();
        assertThatThrownBy(() -> DType.Q4_1.byteSize(33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DType.F32.byteSize(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DType.F32.byteSize(Long.MAX_VALUE / 2)).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void exceptionNamesFile() {
        ModelFormatException e = new ModelFormatException(FILE, "bad", new RuntimeException());
        assertThat(e.file()).isEqualTo(FILE);
        assertThat(e.getMessage()).isEqualTo("model.gguf: bad");
    }
}
