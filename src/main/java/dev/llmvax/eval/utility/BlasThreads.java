package dev.llmvax.eval.utility;

import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * Runs OpenBLAS single-threaded while open, then restores its thread count.
 *
 * <p>Why: libtorch 2.7's CPU flash attention calls GEMMs from inside its own OpenMP workers; past a size
 * (a causal 4 x 9-head x 192-token call) OpenBLAS also fans each of those out to its threads, and on 2 cores
 * the nested pools thrash: that call took 0.3 to 1.5 s instead of 5 ms, and a SmolLM2 prefill of 4 x 256
 * tokens 100 s (4 x 128: 0.9 s). With one OpenBLAS thread the attention runs at full speed, and the head
 * (512 x 576 x 49,152) and MLP (2,048 x 576 x 1,536) matmuls, float32 and bf16, measured no slower. The
 * engine would better set this once (dev.llmvax.model.Engine); until then scoring sets it around its work.
 */
final class BlasThreads implements AutoCloseable {
    private final int previous;

    private BlasThreads(int previous) {
        this.previous = previous;
    }

    static BlasThreads single() {
        int previous = openblas_nolapack.blas_get_num_threads();
        openblas_nolapack.blas_set_num_threads(1);
        return new BlasThreads(previous);
    }

    @Override
    public void close() {
        if (previous > 1) {
            openblas_nolapack.blas_set_num_threads(previous);
        }
    }
}
