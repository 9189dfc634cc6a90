package dev.llmvax.defend;

import dev.llmvax.data.Sample;
import dev.llmvax.purify.Matrix;
import java.util.List;
import java.util.Objects;

/**
 * How {@link Wanda} prunes.
 *
 * @param sparsity           the fraction of weights (unstructured: per output row) or of units (structured: per
 *                           matrix) to zero, in (0, 1) exclusive
 * @param structured         false: Wanda's unstructured per-output pruning; true: whole units (MLP channels,
 *                           attention heads) by summed score
 * @param calibrationSamples how many clean samples measure the activation norms ({@link #calibration});
 *                           {@value #DEFAULT_CALIBRATION_SAMPLES} by default, as in the paper
 * @param matrices           which of each layer's matrices to prune, in {@link Matrix} order; all seven by default
 */
public record WandaConfig(double sparsity, boolean structured, int calibrationSamples, List<Matrix> matrices) {
    /** The paper's calibration size (128 sequences). */
    public static final int DEFAULT_CALIBRATION_SAMPLES = 128;

    public WandaConfig {
        // !(a && b) rather than (x <= 0 || x >= 1) so that NaN is rejected too
        if (!(sparsity > 0 && sparsity < 1)) {
            throw new IllegalArgumentException("Wanda sparsity must be in (0, 1) exclusive, got " + sparsity);
        }
        if (calibrationSamples <= 0) {
            throw new IllegalArgumentException("Wanda needs at least one calibration sample, got "
                    + calibrationSamples);
        }
        Objects.requireNonNull(matrices, "matrices");
        if (matrices.isEmpty()) {
            throw new IllegalArgumentException("Wanda needs at least one matrix to prune (gate, up, down, q, k, v, o)");
        }
        matrices = List.copyOf(new java.util.TreeSet<>(matrices)); // deduplicated, Matrix order
    }

    /** The method paper's baseline setting: 35 % unstructured, all seven matrices, 128 calibration samples. */
    public static final double DEFAULT_SPARSITY = 0.35;

    /** Unstructured pruning of all seven matrices at {@code sparsity}, 128 calibration samples. */
    public static WandaConfig of(double sparsity) {
        return new WandaConfig(sparsity, false, DEFAULT_CALIBRATION_SAMPLES, List.of(Matrix.values()));
    }

    public WandaConfig withStructured(boolean s) {
        return new WandaConfig(sparsity, s, calibrationSamples, matrices);
    }

    public WandaConfig withCalibrationSamples(int n) {
        return new WandaConfig(sparsity, structured, n, matrices);
    }

    public WandaConfig withMatrices(List<Matrix> m) {
        return new WandaConfig(sparsity, structured, calibrationSamples, m);
    }

    /** These settings on gate, up and down only. */
    public WandaConfig mlpOnly() {
        return withMatrices(Matrix.MLP);
    }

    /** The calibration set: the first {@link #calibrationSamples} of {@code clean} (all of them if fewer). */
    public List<Sample> calibration(List<Sample> clean) {
        return List.copyOf(clean.subList(0, Math.min(calibrationSamples, clean.size())));
    }
}
