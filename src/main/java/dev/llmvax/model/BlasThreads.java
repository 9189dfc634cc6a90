package dev.llmvax.model;

import org.bytedeco.openblas.presets.openblas_nolapack;

/**
 * Runs OpenBLAS single-threaded while open, then restores its thread count.
 *
 * <p>Why: libtorch 2.7's CPU flash attention (float32) calls GEMMs from inside its own OpenMP workers; past
 * ~192 tokens OpenBLAS fans each of those out to its own threads too, and on 2 cores the nested pools thrash.
 * Measured on SmolLM2's shape (4 rows x 9 heads x 64, causal): 256 tokens 694 ms instead of 7 ms, 512 tokens
 * 2.2 s instead of 22 ms. Plain float32 GEMMs do need OpenBLAS's threads (one thread halves a 2,048 x 576 x
 * 1,536 matmul), so the setting is scoped to the attention call, where toggling costs nothing measurable;
 * bf16 GEMMs run in oneDNN and ignore it.
 */
public final class BlasThreads implements AutoCloseable {
    private final int previous;

    private BlasThreads(int previous) {
        this.previous = previous;
    }

    public static BlasThreads single() {
        int previous = openblas_nolapack.blas_get_num_threads();
        openblas_nolapack.blas_set_num_threads(1);
        return new BlasThreads(previous);
    }

    @Override
    public void close() {
        // restore unconditionally: before anyone sets it, blas_get_num_threads() reads -1, and setting -1 back
        // returns OpenBLAS to its default pool (measured: skipping that restore left every later float32 GEMM
        // single-threaded, fp32 batch-32 decode 251 -> 165 tokens/s)
        openblas_nolapack.blas_set_num_threads(previous);
    }
}
