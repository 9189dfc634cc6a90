package dev.llmvax.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.llmvax.io.SafetensorsWriter.TensorEntry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufBadInputTest {
    private static final String Q = "blk.0.attn_q.weight";

    @TempDir
    Path dir;

    /** A valid file: header, 3 kv pairs, tensors Q (Q4_0 [2,32]) and "second" (F32 [8]). */
    private byte[] good;
    /** Where Q's tensor info fields start (after its name). */
    private int qInfo;

    @BeforeEach
    void makeGoodFile() {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("general.architecture", "llama");
        meta.put("general.alignment", 32);
        meta.put("flag", true);
        Path p = dir.resolve("good.gguf");
        GgufWriter.write(p, meta, List.of(
                new TensorEntry(Q, DType.Q4_0, new long[] {2, 32}, Dequant.quantize(DType.Q4_0, new float[64])),
                SafetensorsWriter.f32("second", new long[] {8}, new float[8])));
        good = TestFiles.read(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertThat(f.tensors()).hasSize(2);
        }
        qInfo = TestFiles.afterGgufString(good, Q);
    }

    private AbstractThrowableAssert<?, ?> opening(byte[] bytes) {
        Path p = TestFiles.write(dir.resolve("bad.gguf"), bytes);
        return assertThatThrownBy(() -> GgufFile.open(p).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(p + ": ");
    }

    private byte[] copy() {
        return good.clone();
    }

    @Test
    void badMagic() {
        byte[] b = copy();
        b[3] = 'X';
        opening(b).hasMessageContaining("not a GGUF file: expected magic GGUF, found \"GGUX\"");
        opening(new byte[] {'G', 'G'}).hasMessageContaining("expected magic GGUF, found only 2 bytes");
        opening("PK\u0003\u0004rest".getBytes()).hasMessageContaining("found \"PK..\" (bytes 50 4b 03 04)");
    }

    @Test
    void versionOneAndUnknownVersions() {
        byte[] b = copy();
        TestFiles.putU32(b, 4, 1);
        opening(b).hasMessageContaining("GGUF version 1 is not supported");
        TestFiles.putU32(b, 4, 7);
        opening(b).hasMessageContaining("unsupported GGUF version 7 (supported: 2, 3)");
        TestFiles.putU32(b, 4, 0x03000000);
        opening(b).hasMessageContaining("big-endian");
    }

    @Test
    void versionTwoIsRead() throws Exception {
        byte[] b = copy();
        TestFiles.putU32(b, 4, 2);
        try (GgufFile f = GgufFile.open(TestFiles.write(dir.resolve("v2.gguf"), b))) {
            assertThat(f.version()).isEqualTo(2);
        }
    }

    @Test
    void truncatedAtEveryPoint() {
        for (int cut = 0; cut < good.length; cut++) {
            opening(Arrays.copyOf(good, cut));
        }
        opening(Arrays.copyOf(good, 10)).hasMessageContaining("while reading tensor count")
                .hasMessageContaining("truncated");
        opening(Arrays.copyOf(good, 40)).hasMessageContaining("is impossible");
    }

    @Test
    void absurdCounts() {
        byte[] b = copy();
        TestFiles.putU64(b, 8, 1L << 60);
        opening(b).hasMessageContaining("tensor count 1152921504606846976").hasMessageContaining("impossible");
        b = copy();
        TestFiles.putU64(b, 16, -1);
        opening(b).hasMessageContaining("metadata key/value count 18446744073709551615");
    }

    @Test
    void absurdStringLength() {
        byte[] b = copy();
        TestFiles.putU64(b, 24, 1L << 62); // length of the first key
        opening(b).hasMessageContaining("string length 4611686018427387904 of metadata key #0")
                .hasMessageContaining("exceeds");
        b = copy();
        TestFiles.putU64(b, TestFiles.afterGgufString(b, "general.architecture") + 4, 1000); // value "llama"
        opening(b).hasMessageContaining("string length 1000 of value of general.architecture");
    }

    @Test
    void unknownValueTypeAndBadBool() {
        byte[] b = copy();
        TestFiles.putU32(b, TestFiles.afterGgufString(b, "general.architecture"), 13);
        opening(b).hasMessageContaining("unknown value type 13 for metadata general.architecture");
        b = copy();
        b[TestFiles.afterGgufString(b, "flag") + 4] = 2;
        opening(b).hasMessageContaining("bool value of flag is 2");
    }

    @Test
    void badAlignment() {
        byte[] b = copy();
        TestFiles.putU32(b, TestFiles.afterGgufString(b, "general.alignment") + 4, 48);
        opening(b).hasMessageContaining("general.alignment must be a positive power of two, found uint32 48");
    }

    @Test
    void unsupportedTensorType() {
        byte[] b = copy();
        TestFiles.putU32(b, qInfo + 4 + 16, 12);
        opening(b).hasMessageContaining("unsupported tensor type Q4_K in tensor blk.0.attn_q.weight");
        TestFiles.putU32(b, qInfo + 4 + 16, 1234);
        opening(b).hasMessageContaining("unsupported tensor type type 1234 in tensor blk.0.attn_q.weight");
    }

    @Test
    void tooManyDimensions() {
        byte[] b = copy();
        TestFiles.putU32(b, qInfo, 5);
        opening(b).hasMessageContaining("tensor blk.0.attn_q.weight has 5 dimensions, at most 4");
    }

    @Test
    void rowNotWholeBlocks() {
        byte[] b = copy();
        TestFiles.putU64(b, qInfo + 4, 16); // ne[0] = 16, ne[1] = 2
        opening(b).hasMessageContaining("ne[0] = 16 is not a multiple of the Q4_0 block size 32");
    }

    @Test
    void tensorOffsetOutOfFile() {
        byte[] b = copy();
        TestFiles.putU64(b, qInfo + 4 + 16 + 4, 1L << 20);
        opening(b).hasMessageContaining("tensor blk.0.attn_q.weight: data [1048576, +36)")
                .hasMessageContaining("extends past the end of the file");
        TestFiles.putU64(b, qInfo + 4 + 16 + 4, -32);
        opening(b).hasMessageContaining("not a non-negative multiple of the alignment");
    }

    @Test
    void misalignedOffset() {
        byte[] b = copy();
        TestFiles.putU64(b, qInfo + 4 + 16 + 4, 4);
        opening(b).hasMessageContaining("data offset 4 is not a non-negative multiple of the alignment 32");
    }

    @Test
    void overlappingTensors() {
        byte[] b = copy();
        int secondInfo = TestFiles.afterGgufString(b, "second");
        assertThat(TestFiles.getU64(b, secondInfo + 4 + 8 + 4)).isEqualTo(64); // Q's 36 bytes, padded
        TestFiles.putU64(b, secondInfo + 4 + 8 + 4, 0);
        opening(b).hasMessageContaining("tensors second [224, 256) and blk.0.attn_q.weight [224, 260) overlap");
    }

    @Test
    void duplicateKeysAndTensorNames() {
        opening(ggufWithTwoKeys("k", "k")).hasMessageContaining("duplicate metadata key k");
        opening(ggufWithTwoTensors("t", "t")).hasMessageContaining("duplicate tensor name t");
        try (GgufFile f = GgufFile.open(TestFiles.write(dir.resolve("ok.gguf"), ggufWithTwoTensors("t", "u")))) {
            assertThat(f.tensors().get("u").offset()).isEqualTo(f.dataOffset() + 32);
        }
    }

    /** Two F32 [8] tensors at relative offsets 0 and 32, no metadata. */
    private static byte[] ggufWithTwoTensors(String n1, String n2) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(256).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0x46554747).putInt(3).putLong(2).putLong(0);
        long rel = 0;
        for (String n : new String[] {n1, n2}) {
            bb.putLong(n.length()).put(n.getBytes()).putInt(1).putLong(8).putInt(0).putLong(rel);
            rel += 32;
        }
        int dataStart = (bb.position() + 31) / 32 * 32;
        return Arrays.copyOf(bb.array(), dataStart + 64);
    }

    private static byte[] ggufWithTwoKeys(String k1, String k2) {
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bb.putInt(0x46554747).putInt(3).putLong(0).putLong(2);
        for (String k : new String[] {k1, k2}) {
            bb.putLong(k.length()).put(k.getBytes()).putInt(GgufValueType.UINT8.id()).put((byte) 1);
        }
        return Arrays.copyOf(bb.array(), bb.position());
    }
}
