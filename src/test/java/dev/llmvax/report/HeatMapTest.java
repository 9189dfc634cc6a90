package dev.llmvax.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The heat-map block: checks, binning and its inline SVG (pure SVG text; no browser). */
class HeatMapTest {

    private static final String MARK_FILL = "rgb(232,23,93)";

    private static List<String> layers(int n) {
        return IntStream.range(0, n).mapToObj(i -> "layer " + i).toList();
    }

    private static HeatMap small(float[][] values, boolean[][] marks) {
        return new HeatMap("delta <norm>", "channel", "layer", layers(values.length), values[0].length, values,
                "|delta|", marks);
    }

    private static int count(String s, String needle) {
        return s.split(java.util.regex.Pattern.quote(needle), -1).length - 1;
    }

    @Test
    void svgHasTitleRowLabelsAndColourBar() {
        HeatMap h = small(new float[][] {{0, 1, 2}, {3, 4, 5}}, null);
        String svg = SvgCharts.svg(h, 600, 340, "h1-");
        assertThat(svg).startsWith("<svg").contains("id='h1-chart'", "delta &lt;norm&gt;", "layer 0", "layer 1",
                "channel", "|delta|").doesNotContain("xlink:href=\"http", "<image", MARK_FILL);
        // viridis ends: the smallest value dark purple, the largest yellow
        assertThat(svg).contains("rgb(68,1,84)", "rgb(253,231,37)");
    }

    @Test
    void nanCellsAreNotDrawnAndMarksAre() {
        float[][] full = {{0, 1, 2}, {3, 4, 5}};
        float[][] gap = {{0, Float.NaN, 2}, {3, 4, 5}};
        String a = SvgCharts.svg(small(full, null), 600, 340, "a-");
        String b = SvgCharts.svg(small(gap, null), 600, 340, "b-");
        assertThat(count(a, "<rect") - count(b, "<rect")).as("the NaN cell leaves the grey background").isEqualTo(1);
        assertThat(SvgCharts.svg(small(new float[][] {{Float.NaN, Float.NaN}}, null), 600, 340, "n-"))
                .as("all NaN still draws").startsWith("<svg").contains("layer 0");
        assertThat(SvgCharts.svg(small(new float[][] {{7, 7}}, null), 600, 340, "s-")).as("one value everywhere")
                .startsWith("<svg");

        boolean[][] marks = {{false, true, false}, {true, false, false}};
        String m = SvgCharts.svg(small(full, marks), 600, 340, "m-");
        assertThat(count(m, MARK_FILL)).as("one tick per marked cell").isEqualTo(2);
        assertThat(count(m, "<rect") - count(a, "<rect")).isEqualTo(2);
    }

    @Test
    void twoHeatMapsOnAPageHaveDistinctIds() {
        HeatMap h = small(new float[][] {{0, 1}, {2, 3}}, null);
        BarChart c = new BarChart("ASR", "ASR %", List.of("x"), List.of(new BarChart.Series("a", List.of(1.0))), 100);
        String page = HtmlWriter.html(new Report("t", List.of(), List.of(new Section("m", "maps", List.of(h, c, h)))));
        assertThat(page).contains("id='c0-chart'", "id='c1-chart'", "id='c2-chart'", "id='c0-clip-", "id='c2-clip-");
        assertThat(page.split("<div class=\"charts\">", -1)).as("one row for consecutive charts").hasSize(2);
        assertThat(count(page, "<div class=\"chart\">")).isEqualTo(3);
    }

    @Test
    void wideRowsAreBinnedByMaxAndAnyMark() {
        int columns = 1536;
        float[][] v = new float[2][columns];
        boolean[][] marks = new boolean[2][columns];
        v[0][7] = 9;  // bin 1 (columns 6..11) of row 0
        v[0][8] = -3;
        marks[1][1535] = true; // the last bin of row 1
        for (int c = 12; c < 18; c++) {
            v[1][c] = Float.NaN; // bin 2 of row 1: no value at all
        }
        v[1][18] = Float.NaN; // bin 3 of row 1: NaN skipped, the rest is 0
        HeatMap.Bins bins = small(v, marks).bin(SvgCharts.MAX_BINS);
        assertThat(bins.width()).isEqualTo(6);
        assertThat(bins.count()).isEqualTo(256);
        assertThat(bins.values()[0][1]).isEqualTo(9f);
        assertThat(bins.values()[0][0]).isZero();
        assertThat(bins.values()[1][2]).isNaN();
        assertThat(bins.values()[1][3]).isZero();
        assertThat(bins.marks()[1][255]).isTrue();
        assertThat(bins.marks()[1][254]).isFalse();
        assertThat(bins.marks()[0]).doesNotContain(true);

        // uneven: 1001 columns in bins of 4, the last holding one column; narrow maps are not binned
        HeatMap.Bins uneven = small(new float[][] {new float[1001]}, null).bin(256);
        assertThat(uneven.width()).isEqualTo(4);
        assertThat(uneven.count()).isEqualTo(251);
        assertThat(uneven.marks()).isNull();
        HeatMap.Bins narrow = small(new float[][] {{1, 2, 3}}, null).bin(256);
        assertThat(narrow.width()).isEqualTo(1);
        assertThat(narrow.values()[0]).containsExactly(1, 2, 3);
    }

    @Test
    void thirtyLayersOf1536ChannelsStaySmall() {
        Random rnd = new Random(1);
        float[][] v = new float[30][1536];
        boolean[][] marks = new boolean[30][1536];
        for (int r = 0; r < 30; r++) {
            for (int c = 0; c < 1536; c++) {
                v[r][c] = (float) Math.abs(rnd.nextGaussian());
                marks[r][c] = rnd.nextInt(100) == 0; // ~1 %: a signature's worth of channels
            }
        }
        HeatMap h = new HeatMap("per-channel delta", "channel", "layer", layers(30), 1536, v, "|delta|", marks);
        String svg = SvgCharts.svg(h, HtmlWriter.HEAT_MAP_WIDTH, HtmlWriter.heatMapHeight(h), "big-");
        int bytes = svg.getBytes(StandardCharsets.UTF_8).length;
        System.out.println("30 x 1536 heat map SVG: " + bytes + " bytes");
        assertThat(bytes).isLessThan(1_500_000);
        assertThat(svg).contains("layer 0", "layer 29");
    }

    @Test
    void badShapesAreRejected() {
        assertThatThrownBy(() -> new HeatMap("t", "x", "y", layers(2), 3, new float[][] {{1, 2, 3}, {1, 2}}, "v"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 1 has 2 values for 3 columns");
        assertThatThrownBy(() -> new HeatMap("t", "x", "y", layers(3), 2, new float[][] {{1, 2}, {1, 2}}, "v"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 rows of values for 3 row labels");
        assertThatThrownBy(() -> new HeatMap("t", "x", "y", layers(1), 2, new float[][] {{1, 2}}, "v",
                new boolean[][] {{true}})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("marks row 0 has 1 cells for 2 columns");
        assertThatThrownBy(() -> new HeatMap("t", "x", "y", List.of(), 0, new float[0][], "v"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no rows");
    }

    @Test
    void arraysAreCopiedAndComparedByContent() {
        float[][] v = {{1, 2}};
        HeatMap h = small(v, null);
        v[0][0] = 99;
        h.values()[0][1] = 99;
        assertThat(h.values()[0]).containsExactly(1, 2);
        assertThat(h).isEqualTo(small(new float[][] {{1, 2}}, null))
                .hasSameHashCodeAs(small(new float[][] {{1, 2}}, null))
                .isNotEqualTo(small(new float[][] {{1, 2}}, new boolean[][] {{true, false}}));
    }
}
