package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Reads the real SmolLM2-135M-Instruct Q4_1 GGUF from the shared folder (skipped if absent). */
class SmolLm2GgufTest {
    private static Path file;

    @BeforeAll
    static void find() {
        file = TestFiles.smolGguf();
        assumeTrue(Files.isRegularFile(file), "shared model missing: " + file.toAbsolutePath());
    }

    @Test
    void headerAndMetadata() {
        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.tensors()).hasSize(272);
            assertThat(f.metadata()).hasSize(33);
            assertThat(f.dataOffset()).isEqualTo(1_785_664);
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getLong("llama.block_count")).isEqualTo(30);
            assertThat(f.getLong("llama.embedding_length")).isEqualTo(576);
            assertThat(f.getLong("llama.attention.head_count_kv")).isEqualTo(3);
            assertThat(f.getDouble("llama.attention.layer_norm_rms_epsilon")).isEqualTo(9.999999747378752E-6);
            assertThat(f.getDouble("llama.rope.freq_base")).isEqualTo(100000.0);
            assertThat((List<?>) f.get("tokenizer.ggml.tokens").orElseThrow()).hasSize(49152)
                    .first().isEqualTo("<|endoftext|>");
            assertThat((List<?>) f.get("tokenizer.ggml.merges").orElseThrow()).hasSize(48900);
            assertThat(f.getLong("tokenizer.ggml.eos_token_id")).isEqualTo(2);
            assertThat(f.getString("tokenizer.chat_template")).contains("<|im_start|>");
        }
    }

    @Test
    void tensorInfos() {
        try (GgufFile f = GgufFile.open(file)) {
            TensorInfo emb = f.tensors().get("token_embd.weight");
            assertThat(emb.dtype()).isEqualTo(DType.Q8_0);
            assertThat(emb.shape()).containsExactly(49152, 576);
            TensorInfo down = f.tensors().get("blk.0.ffn_down.weight");
            assertThat(down.dtype()).isEqualTo(DType.Q4_1);
            assertThat(down.shape()).containsExactly(576, 1536);
            assertThat(f.tensors().get("output_norm.weight").dtype()).isEqualTo(DType.F32);
            assertThat(f.tensors()).doesNotContainKey("output.weight");
            long q41 = f.tensors().values().stream().filter(t -> t.dtype() == DType.Q4_1).count();
            assertThat(q41).isEqualTo(210);
        }
    }

    @Test
    void dequantizesEverything() {
        try (GgufFile f = GgufFile.open(file)) {
            long start = System.nanoTime();
            long params = 0;
            double checksum = 0;
            for (TensorInfo t : f.tensors().values()) {
                float[] w = f.toFloats(t.name());
                params += w.length;
                checksum += w[w.length / 2];
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("dequantized %d tensors, %d values in %d ms (checksum %.4f)%n",
                    f.tensors().size(), params, ms, checksum);
            assertThat(params).isEqualTo(134_515_008L);
            float[] norm = f.toFloats("output_norm.weight");
            for (float v : norm) {
                assertThat(v).isFinite();
            }
        }
    }

    @Test
    void unpermutingQRowsBeforeOrAfterDequantizationAgrees() {
        try (GgufFile f = GgufFile.open(file)) {
            String name = "blk.0.attn_k.weight";
            TensorInfo t = f.tensors().get(name);
            int rows = (int) t.shape()[0];
            int cols = (int) t.shape()[1];
            long rowBytes = DType.Q4_1.byteSize(cols);
            MemorySegment un = QkPermute.unpermuteRows(f.data(name), rows, rowBytes, 3);
            assertThat(Dequant.toFloats(DType.Q4_1, un, t.elements()))
                    .containsExactly(QkPermute.unpermute(f.toFloats(name), rows, cols, 3));
        }
    }
}
