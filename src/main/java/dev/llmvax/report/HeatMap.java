package dev.llmvax.report;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A heat map: one row per label (y, e.g. "layer 0" .. "layer 29", drawn bottom-up), {@code columns} cells per
 * row (x, e.g. 1536 hidden channels), each coloured by its value on a sequential (viridis) scale with a colour
 * bar. Wide matrices are binned for drawing, see {@link #bin(int)}.
 *
 * <p>The arrays are copied in and out, so a heat map cannot change after it is made; equality compares contents.
 *
 * @param title      above the chart
 * @param xLabel     the column axis, e.g. "channel"
 * @param yLabel     the row axis, e.g. "layer"
 * @param rowLabels  one per row, bottom row first
 * @param columns    cells per row, at least 1
 * @param values     {@code rowLabels.size() x columns}; NaN: no value (drawn grey)
 * @param valueLabel the colour bar's title, e.g. "|delta|"
 * @param marks      null for none, else the same shape as {@code values}: cells to point out (e.g. the channels in
 *                   the purifier's signature), drawn as a red tick along the top of the cell, which leaves the
 *                   cell's colour visible below it
 */
public record HeatMap(String title, String xLabel, String yLabel, List<String> rowLabels, int columns,
                      float[][] values, String valueLabel, boolean[][] marks) implements Block {

    public HeatMap {
        rowLabels = List.copyOf(rowLabels);
        Objects.requireNonNull(values, "values");
        if (rowLabels.isEmpty()) {
            throw new IllegalArgumentException("heat map '" + title + "': no rows");
        }
        if (columns < 1) {
            throw new IllegalArgumentException("heat map '" + title + "': " + columns + " columns, need at least 1");
        }
        if (values.length != rowLabels.size()) {
            throw new IllegalArgumentException("heat map '" + title + "': " + values.length + " rows of values for "
                    + rowLabels.size() + " row labels");
        }
        for (int r = 0; r < values.length; r++) {
            if (values[r] == null || values[r].length != columns) {
                throw new IllegalArgumentException("heat map '" + title + "': row " + r + " has "
                        + (values[r] == null ? "no" : values[r].length) + " values for " + columns + " columns");
            }
        }
        if (marks != null) {
            if (marks.length != values.length) {
                throw new IllegalArgumentException("heat map '" + title + "': " + marks.length + " rows of marks for "
                        + values.length + " rows of values");
            }
            for (int r = 0; r < marks.length; r++) {
                if (marks[r] == null || marks[r].length != columns) {
                    throw new IllegalArgumentException("heat map '" + title + "': marks row " + r + " has "
                            + (marks[r] == null ? "no" : marks[r].length) + " cells for " + columns + " columns");
                }
            }
        }
        values = copy(values);
        marks = marks == null ? null : copy(marks);
    }

    /** A heat map without marks. */
    public HeatMap(String title, String xLabel, String yLabel, List<String> rowLabels, int columns, float[][] values,
                   String valueLabel) {
        this(title, xLabel, yLabel, rowLabels, columns, values, valueLabel, null);
    }

    @Override
    public float[][] values() {
        return copy(values);
    }

    @Override
    public boolean[][] marks() {
        return marks == null ? null : copy(marks);
    }

    /**
     * The cells as drawn: columns grouped into runs of {@code width} neighbours, one bin per run.
     *
     * @param width  columns per bin (the last bin may hold fewer)
     * @param values {@code rows x bins}
     * @param marks  {@code rows x bins}, null when the heat map has no marks
     */
    record Bins(int width, float[][] values, boolean[][] marks) {
        int count() {
            return values[0].length;
        }
    }

    /**
     * Groups the columns into at most {@code maxBins} bins of equal width ({@code ceil(columns / maxBins)}, the
     * last bin may be narrower); with {@code columns <= maxBins} every column is its own bin. A bin's value is the
     * max of its cells, not the mean, so that one strong channel among quiet neighbours stays as bright as it is
     * rather than being diluted by them; NaN cells are skipped, and a bin of only NaN is NaN. A bin is marked if
     * any of its cells is.
     */
    Bins bin(int maxBins) {
        if (maxBins < 1) {
            throw new IllegalArgumentException("maxBins must be at least 1: " + maxBins);
        }
        int width = (columns + maxBins - 1) / maxBins;
        int count = (columns + width - 1) / width;
        float[][] v = new float[values.length][count];
        boolean[][] m = marks == null ? null : new boolean[values.length][count];
        for (int r = 0; r < values.length; r++) {
            for (int b = 0; b < count; b++) {
                float max = Float.NaN;
                int end = Math.min(columns, (b + 1) * width);
                for (int c = b * width; c < end; c++) {
                    float x = values[r][c];
                    if (!Float.isNaN(x) && (Float.isNaN(max) || x > max)) {
                        max = x;
                    }
                    if (m != null && marks[r][c]) {
                        m[r][b] = true;
                    }
                }
                v[r][b] = max;
            }
        }
        return new Bins(width, v, m);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HeatMap h && Objects.equals(title, h.title) && Objects.equals(xLabel, h.xLabel)
                && Objects.equals(yLabel, h.yLabel) && rowLabels.equals(h.rowLabels) && columns == h.columns
                && Arrays.deepEquals(values, h.values) && Objects.equals(valueLabel, h.valueLabel)
                && Arrays.deepEquals(marks, h.marks);
    }

    @Override
    public int hashCode() {
        return Objects.hash(title, xLabel, yLabel, rowLabels, columns, Arrays.deepHashCode(values), valueLabel,
                Arrays.deepHashCode(marks));
    }

    @Override
    public String toString() {
        return "HeatMap[title=" + title + ", " + rowLabels.size() + " x " + columns + (marks == null ? "" : ", marked")
                + "]";
    }

    private static float[][] copy(float[][] a) {
        float[][] c = new float[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    private static boolean[][] copy(boolean[][] a) {
        boolean[][] c = new boolean[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }
}
