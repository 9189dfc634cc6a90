package dev.llmvax.report;

import java.util.List;

/**
 * A grouped bar chart: one group of bars per category, one bar per series in each group.
 *
 * @param title      above the chart
 * @param valueLabel the value axis, e.g. "ASR %"
 * @param categories the groups along the category axis
 * @param series     one colour each; every series has one value per category (NaN: no bar)
 * @param maxValue   the value axis runs from 0 to this (100 for percentages); NaN scales to the data
 * @param horizontal bars run left to right, one row per category, and the chart grows with the rows: for many
 *                   categories or long names (one bar per model in a comparison); false draws columns
 */
public record BarChart(String title, String valueLabel, List<String> categories, List<Series> series,
                       double maxValue, boolean horizontal) implements Block {

    /** One named row of values. */
    public record Series(String name, List<Double> values) {
        public Series {
            values = List.copyOf(values);
        }
    }

    /** A chart of vertical columns. */
    public BarChart(String title, String valueLabel, List<String> categories, List<Series> series, double maxValue) {
        this(title, valueLabel, categories, series, maxValue, false);
    }

    public BarChart {
        categories = List.copyOf(categories);
        series = List.copyOf(series);
        for (Series s : series) {
            if (s.values().size() != categories.size()) {
                throw new IllegalArgumentException("chart '" + title + "': series '" + s.name() + "' has "
                        + s.values().size() + " values for " + categories.size() + " categories");
            }
        }
    }
}
