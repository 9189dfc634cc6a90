package dev.llmvax.purify;

import java.util.Comparator;

/**
 * One weight matrix of the model: a layer and a {@link Matrix}. Orders by layer, then matrix, the order every
 * map of this package iterates in (so seeded draws are reproducible).
 */
public record MatrixId(int layer, Matrix matrix) implements Comparable<MatrixId> {
    private static final Comparator<MatrixId> ORDER =
            Comparator.comparingInt(MatrixId::layer).thenComparing(MatrixId::matrix);

    public MatrixId {
        if (layer < 0) {
            throw new IllegalArgumentException("layer must be >= 0, got " + layer);
        }
        java.util.Objects.requireNonNull(matrix, "matrix");
    }

    /** The HF module path, e.g. {@code model.layers.3.mlp.gate_proj}. */
    public String modulePath() {
        return "model.layers." + layer + "." + matrix.module();
    }

    /** The HF weight name, e.g. {@code model.layers.3.mlp.gate_proj.weight}. */
    public String weightName() {
        return modulePath() + ".weight";
    }

    @Override
    public int compareTo(MatrixId o) {
        return ORDER.compare(this, o);
    }

    @Override
    public String toString() {
        return modulePath();
    }
}
