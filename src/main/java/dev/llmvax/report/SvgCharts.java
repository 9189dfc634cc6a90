package dev.llmvax.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.text.DecimalFormat;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.svg.SVGGraphics2D;

/**
 * Draws {@link BarChart}s with JFreeChart onto JFreeSVG's SVG canvas, giving an {@code <svg>} element to embed
 * inline. Text stays text (generic font families), so the SVG needs no font files. Runs headless: the first use
 * sets {@code java.awt.headless=true} unless the JVM was told otherwise, since a server has no display.
 */
public final class SvgCharts {

    // Colour-blind-safe (Okabe-Ito): one per series, in order.
    private static final List<Color> PALETTE = List.of(new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
            new Color(0xCC79A7), new Color(0x56B4E9), new Color(0xD55E00));

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private SvgCharts() {}

    /**
     * The chart as one {@code <svg>} element of {@code width x height} pixels.
     *
     * @param idPrefix makes the element ids (clip paths) unique when several charts share a page
     */
    public static String svg(BarChart chart, int width, int height, String idPrefix) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (BarChart.Series s : chart.series()) {
            for (int c = 0; c < chart.categories().size(); c++) {
                double v = s.values().get(c);
                data.addValue(Double.isNaN(v) ? null : v, s.name(), chart.categories().get(c));
            }
        }
        JFreeChart jf = ChartFactory.createBarChart(chart.title(), null, chart.valueLabel(), data,
                PlotOrientation.VERTICAL, chart.series().size() > 1, false, false);
        style(jf, chart);
        SVGGraphics2D g = new SVGGraphics2D(width, height);
        g.setDefsKeyPrefix(idPrefix);
        jf.draw(g, new Rectangle(0, 0, width, height));
        return g.getSVGElement(idPrefix + "chart");
    }

    private static void style(JFreeChart jf, BarChart chart) {
        jf.setBackgroundPaint(Color.WHITE);
        jf.getTitle().setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        CategoryPlot plot = jf.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(new Color(0xCCCCCC));
        plot.setRangeGridlineStroke(new BasicStroke(0.8f));
        plot.setOutlineVisible(false);
        NumberAxis values = (NumberAxis) plot.getRangeAxis();
        if (!Double.isNaN(chart.maxValue())) {
            // a little headroom so the value label of a full bar stays inside the plot
            values.setRange(0, chart.maxValue() * 1.08);
        }
        CategoryAxis categories = plot.getDomainAxis();
        categories.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        categories.setMaximumCategoryLabelLines(2);
        BarRenderer r = (BarRenderer) plot.getRenderer();
        r.setBarPainter(new StandardBarPainter()); // flat bars, no gradient or shadow
        r.setShadowVisible(false);
        r.setItemMargin(0.05);
        r.setMaximumBarWidth(0.12);
        for (int i = 0; i < chart.series().size(); i++) {
            r.setSeriesPaint(i, PALETTE.get(i % PALETTE.size()));
        }
        r.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}", new DecimalFormat("0.#")));
        r.setDefaultItemLabelsVisible(true);
        r.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    }
}
