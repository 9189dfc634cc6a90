package dev.llmvax.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.junit.jupiter.api.Test;

/** The single-threaded scope restores OpenBLAS exactly, including its initial "unset" (-1) state. */
class BlasThreadsTest {
    @Test
    void restoresWhatWasThereEvenWhenUnset() {
        int before = openblas_nolapack.blas_get_num_threads();
        try (BlasThreads single = BlasThreads.single()) {
            assertThat(openblas_nolapack.blas_get_num_threads()).isEqualTo(1);
        }
        assertThat(openblas_nolapack.blas_get_num_threads()).isEqualTo(before);
    }
}
