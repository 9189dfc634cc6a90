package dev.llmvax.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Paint;
import java.awt.Rectangle;
import java.awt.Shape;
import java.awt.geom.Rectangle2D;
import java.text.DecimalFormat;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CrosshairState;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.PlotRenderingInfo;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYItemRendererState;
import org.jfree.chart.text.TextUtils;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYZDataset;
import org.jfree.svg.SVGGraphics2D;

/**
 * Draws {@link BarChart}s and {@link HeatMap}s with JFreeChart onto JFreeSVG's SVG canvas, giving an {@code <svg>}
 * element to embed inline. Text stays text (generic font families), so the SVG needs no font files. Runs headless:
 * the first use sets {@code java.awt.headless=true} unless the JVM was told otherwise, since a server has no display.
 */
public final class SvgCharts {

    // Colour-blind-safe (Okabe-Ito): one per series, in order.
    private static final List<Color> PALETTE = List.of(new Color(0x0072B2), new Color(0xE69F00), new Color(0x009E73),
            new Color(0xCC79A7), new Color(0x56B4E9), new Color(0xD55E00));

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        // JFreeChart's default draws rotated labels (vertical axis titles) as glyph outlines via TextLayout, a
        // work-around for old raster bugs; on the SVG canvas that makes kilobytes of paths instead of <text>
        TextUtils.setUseDrawRotatedStringWorkaround(false);
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
                chart.horizontal() ? PlotOrientation.HORIZONTAL : PlotOrientation.VERTICAL, chart.series().size() > 1,
                false, false);
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
            // a little headroom so the value label of a full bar stays inside the plot (beside it, when horizontal)
            values.setRange(0, chart.maxValue() * (chart.horizontal() ? 1.14 : 1.08));
        }
        CategoryAxis categories = plot.getDomainAxis();
        categories.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        categories.setMaximumCategoryLabelLines(2);
        if (chart.horizontal()) {
            categories.setMaximumCategoryLabelWidthRatio(0.45f); // long names (model labels) keep their row
            categories.setCategoryMargin(0.15);
        }
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

    /**
     * Heat maps wider than this many columns are binned ({@link HeatMap#bin}): more bins than pixels would not
     * show, and every drawn bin is an SVG element (about 90 bytes). Measured for 30 x 1536 (30 x 256 bins of 6
     * channels, ~1 % of cells marked) at 1120 x 560: 696 kB of SVG; 1.05 MB before the cells dropped their
     * per-element clip paths and outlines and their coordinates were rounded to 0.1 px (HeatMapTest checks it).
     */
    static final int MAX_BINS = 256;

    private static final Color NO_VALUE = new Color(0xD9D9D9);
    private static final Color MARK = new Color(0xE8175D);

    // viridis (matplotlib) at 0, 0.1, .., 1: perceptually uniform, colour-blind-safe and readable in grey
    private static final int[] VIRIDIS = {0x440154, 0x482475, 0x414487, 0x355F8D, 0x2A788E, 0x21918C, 0x22A884,
            0x44BF70, 0x7AD151, 0xBDDF26, 0xFDE725};

    /**
     * The heat map as one {@code <svg>} element of {@code width x height} pixels: rows on the y axis by label,
     * columns (or bins of them, beyond {@link #MAX_BINS}) on the x axis by index, a viridis colour bar on the
     * right running from the smallest to the largest drawn value. NaN cells are not drawn, so the grey plot
     * background shows through; marked cells get a red tick along their top quarter.
     *
     * @param idPrefix makes the element ids (clip paths) unique when several charts share a page
     */
    public static String svg(HeatMap map, int width, int height, String idPrefix) {
        HeatMap.Bins bins = map.bin(MAX_BINS);
        int rows = map.rowLabels().size();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        int n = 0;
        for (float[] row : bins.values()) {
            for (float v : row) {
                if (!Float.isNaN(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                    n++;
                }
            }
        }
        if (n == 0) {
            lo = 0;
            hi = 1;
        } else if (!(hi > lo)) {
            hi = lo + 1; // one value everywhere: the colour bar still needs a span
        }
        // a bin's x is its centre in column units, so the axis reads channel numbers, not bin numbers
        double[][] cells = new double[3][n];
        int m = 0;
        int k = 0;
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < bins.count(); b++) {
                float v = bins.values()[r][b];
                if (!Float.isNaN(v)) {
                    cells[0][k] = centre(bins, b, map.columns());
                    cells[1][k] = r;
                    cells[2][k++] = v;
                }
                if (bins.marks() != null && bins.marks()[r][b]) {
                    m++;
                }
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("values", cells);
        PaintScale scale = new Viridis(lo, hi);
        XYBlockRenderer cellRenderer = new FillOnlyBlockRenderer(1);
        cellRenderer.setPaintScale(scale);
        cellRenderer.setBlockWidth(bins.width());
        cellRenderer.setBlockHeight(1);

        NumberAxis x = new NumberAxis(map.xLabel());
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setRange(-0.5, map.columns() - 0.5);
        x.setLowerMargin(0);
        x.setUpperMargin(0);
        SymbolAxis y = new SymbolAxis(map.yLabel(), map.rowLabels().toArray(String[]::new));
        y.setGridBandsVisible(false);
        y.setRange(-0.5, rows - 0.5);
        y.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, rows > 20 ? 9 : 11));
        XYPlot plot = new XYPlot(data, x, y, cellRenderer);
        if (m > 0) {
            double[][] ticks = new double[3][m];
            k = 0;
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < bins.count(); b++) {
                    if (bins.marks()[r][b]) {
                        ticks[0][k] = centre(bins, b, map.columns());
                        ticks[1][k] = r + 0.375; // the top quarter of the row
                        ticks[2][k++] = 1;
                    }
                }
            }
            DefaultXYZDataset marked = new DefaultXYZDataset();
            marked.addSeries("marks", ticks);
            XYBlockRenderer markRenderer = new FillOnlyBlockRenderer(0); // drawn last, over the cells: no seams
            markRenderer.setPaintScale(new LookupPaintScale(0, 2, MARK));
            markRenderer.setBlockWidth(bins.width());
            markRenderer.setBlockHeight(0.25);
            plot.setDataset(1, marked);
            plot.setRenderer(1, markRenderer);
            plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD); // marks over the cells
        }
        plot.setBackgroundPaint(NO_VALUE);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        plot.setOutlineVisible(false);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);

        JFreeChart jf = new JFreeChart(map.title(), new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, false);
        jf.setBackgroundPaint(Color.WHITE);
        NumberAxis barAxis = new NumberAxis(map.valueLabel());
        barAxis.setRange(lo, hi);
        barAxis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        PaintScaleLegend bar = new PaintScaleLegend(scale, barAxis);
        bar.setPosition(RectangleEdge.RIGHT);
        bar.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        bar.setStripWidth(12);
        bar.setSubdivisionCount(64);
        bar.setMargin(new RectangleInsets(8, 12, 8, 4));
        bar.setBackgroundPaint(Color.WHITE);
        jf.addSubtitle(bar);

        SVGGraphics2D g = new SVGGraphics2D(width, height);
        g.setDefsKeyPrefix(idPrefix);
        // thousands of cells: coordinates to 1/10 pixel (blocks overlap by a pixel anyway), not 17 digits
        g.setGeomDoubleConverter(v -> Double.toString(Math.round(v * 10) / 10.0));
        jf.draw(g, new Rectangle(0, 0, width, height));
        return g.getSVGElement(idPrefix + "chart");
    }

    private static double centre(HeatMap.Bins bins, int bin, int columns) {
        int first = bin * bins.width();
        int last = Math.min(columns, first + bins.width()) - 1;
        return (first + last) / 2.0;
    }

    /** Maps {@code [lower, upper]} onto viridis by linear interpolation; values outside are clamped. */
    private record Viridis(double lower, double upper) implements PaintScale {
        @Override
        public double getLowerBound() {
            return lower;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            if (Double.isNaN(value)) {
                return NO_VALUE;
            }
            double t = Math.clamp((value - lower) / (upper - lower), 0, 1) * (VIRIDIS.length - 1);
            int i = Math.min((int) t, VIRIDIS.length - 2);
            double f = t - i;
            int a = VIRIDIS[i];
            int b = VIRIDIS[i + 1];
            return new Color(mix(a >> 16, b >> 16, f), mix(a >> 8, b >> 8, f), mix(a, b, f));
        }

        private static int mix(int a, int b, double f) {
            return (int) Math.round((a & 0xFF) * (1 - f) + (b & 0xFF) * f);
        }
    }

    /**
     * XYBlockRenderer fills each block and then strokes its outline, to hide the seams that anti-aliasing leaves
     * between neighbouring blocks; the outline doubles the SVG. This one only fills, and hides the seams instead by
     * letting each block bleed a pixel right and up, under the neighbours drawn after it (rows go bottom-up, cells
     * left to right; a whole pixel, so the pixel two blocks share is covered fully by the first, whatever the
     * fractions; next to a NaN cell the bleed shows as a 1 px fringe). Each block is cut to the data area itself,
     * so it needs no clip path either (one per element otherwise). Blocks are centred on their (x, y); vertical
     * plots only, as drawn here.
     */
    private static final class FillOnlyBlockRenderer extends XYBlockRenderer {
        private final double bleed;

        FillOnlyBlockRenderer(double bleed) {
            this.bleed = bleed;
        }

        @Override
        public void drawItem(Graphics2D g2, XYItemRendererState state, Rectangle2D dataArea, PlotRenderingInfo info,
                             XYPlot plot, ValueAxis domainAxis, ValueAxis rangeAxis, XYDataset dataset, int series,
                             int item, CrosshairState crosshairState, int pass) {
            double x = dataset.getXValue(series, item);
            double y = dataset.getYValue(series, item);
            double z = ((XYZDataset) dataset).getZValue(series, item);
            double w = getBlockWidth() / 2;
            double h = getBlockHeight() / 2;
            double left = domainAxis.valueToJava2D(x - w, dataArea, plot.getDomainAxisEdge());
            double right = domainAxis.valueToJava2D(x + w, dataArea, plot.getDomainAxisEdge()) + bleed;
            double bottom = rangeAxis.valueToJava2D(y - h, dataArea, plot.getRangeAxisEdge());
            double top = rangeAxis.valueToJava2D(y + h, dataArea, plot.getRangeAxisEdge()) - bleed;
            Rectangle2D block = new Rectangle2D.Double(left, top, right - left, bottom - top)
                    .createIntersection(dataArea);
            if (block.isEmpty()) {
                return;
            }
            Shape clip = g2.getClip();
            g2.setClip(null);
            g2.setPaint(getPaintScale().getPaint(z));
            g2.fill(block);
            g2.setClip(clip);
        }
    }
}
