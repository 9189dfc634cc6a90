package dev.llmvax.util;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class HashingTest {

    private static final String SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    private static final String SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void knownDigests() {
        assertThat(Hashing.sha256("abc".getBytes(StandardCharsets.US_ASCII))).isEqualTo(SHA256_ABC);
        assertThat(Hashing.sha256(new byte[0])).isEqualTo(SHA256_EMPTY);
    }

    @Test
    void fileDigestMatchesKnownValue(@TempDir Path dir) throws IOException {
        assertThat(Hashing.sha256(Files.writeString(dir.resolve("abc"), "abc"))).isEqualTo(SHA256_ABC);
        assertThat(Hashing.sha256(Files.write(dir.resolve("empty"), new byte[0]))).isEqualTo(SHA256_EMPTY);
    }

    @Test
    void fileDigestSpanningSeveralBuffersMatchesTheInMemoryDigest(@TempDir Path dir) throws IOException {
        byte[] data = new byte[(3 << 20) + 12345]; // three 1 MiB reads and a partial one
        new Random(7).nextBytes(data);
        assertThat(Hashing.sha256(Files.write(dir.resolve("blob"), data))).isEqualTo(Hashing.sha256(data));
    }
}
