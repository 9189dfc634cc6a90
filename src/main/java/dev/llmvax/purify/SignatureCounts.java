package dev.llmvax.purify;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How many channels (or heads) the signature flags, per layer and matrix, for reports and the model card.
 *
 * @param perLayer layer to matrix id ({@code gate}, {@code up}, {@code down}, ...) to flagged count
 * @param units    matrix id to units per matrix (the denominator)
 * @param total    flagged units over all matrices
 */
public record SignatureCounts(Map<Integer, Map<String, Integer>> perLayer, Map<String, Integer> units, int total) {

    public static SignatureCounts of(Signature s) {
        Map<Integer, Map<String, Integer>> per = new TreeMap<>();
        Map<String, Integer> units = new TreeMap<>();
        s.selections().forEach((id, sel) -> {
            per.computeIfAbsent(id.layer(), k -> new TreeMap<>()).put(id.matrix().id(), sel.count());
            units.put(id.matrix().id(), sel.units());
        });
        return new SignatureCounts(per, units, s.total());
    }

    /** The matrix ids present, in {@link Matrix} order. */
    public List<String> matrices() {
        return java.util.Arrays.stream(Matrix.values()).map(Matrix::id).filter(units::containsKey).toList();
    }
}
