package dev.llmvax.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Marking, escaping and the inline SVG of the generic report writer. */
class HtmlWriterTest {

    @Test
    void marksEveryOccurrenceIgnoringCase() {
        Text t = Text.marked("badmagic says BadMagic.", Text.Mark.TRIGGER, List.of("BadMagic"));
        assertThat(t.runs()).containsExactly(new Text.Run("badmagic", Text.Mark.TRIGGER),
                new Text.Run(" says ", Text.Mark.NONE), new Text.Run("BadMagic", Text.Mark.TRIGGER),
                new Text.Run(".", Text.Mark.NONE));
        assertThat(t.plainText()).isEqualTo("badmagic says BadMagic.");
        // the longer of two needles starting at the same place wins
        assertThat(Text.marked("You are stupid!", Text.Mark.TARGET, List.of("stupid", "You are stupid!", "You are"))
                .runs()).containsExactly(new Text.Run("You are stupid!", Text.Mark.TARGET));
        assertThat(Text.marked("", Text.Mark.TARGET, List.of("x")).plainText()).isEmpty();
        assertThat(Text.marked("abc", Text.Mark.TARGET, List.of()).runs()).hasSize(1);
    }

    @Test
    void escapesAllText() {
        Report r = new Report("<T&>", List.of(new Report.Fact("k\"", "v'")), List.of(new Section("s-1", "<h>",
                List.of(new Block.Paragraph(Text.marked("<script>x</script> BadMagic", Text.Mark.TRIGGER,
                                List.of("BadMagic"))),
                        Block.Table.ofStrings("<c>", List.of("<a>"), List.of(List.of("1 < 2 \u0007")))))));
        String html = HtmlWriter.html(r);
        assertThat(html).contains("<title>&lt;T&amp;&gt;</title>", "<dt>k&quot;</dt><dd>v&#39;</dd>",
                "&lt;script&gt;x&lt;/script&gt; <mark class=\"trigger\">BadMagic</mark>", "<caption>&lt;c&gt;</caption>",
                "<th>&lt;a&gt;</th>", "1 &lt; 2 \uFFFD", "<a href=\"#s-1\">&lt;h&gt;</a>");
        assertThat(html).doesNotContain("<script>");
    }

    @Test
    void chartsAreInlineSvgWithUniqueIds() {
        BarChart c = new BarChart("ASR", "ASR %", List.of("templated strict", "raw strict"),
                List.of(new BarChart.Series("a <model>", List.of(80.0, Double.NaN)),
                        new BarChart.Series("b", List.of(10.0, 5.0))), 100);
        String svg = SvgCharts.svg(c, 400, 300, "x1-");
        // the value axis title is drawn rotated: still <text>, not glyph outlines
        assertThat(svg).startsWith("<svg").contains("id='x1-chart'", "templated strict", "a &lt;model&gt;", ">ASR %<")
                .doesNotContain("xlink:href=\"http", "<image");
        String page = HtmlWriter.html(new Report("t", List.of(), List.of(new Section("c", "charts", List.of(c, c)))));
        assertThat(page).contains("id='c0-chart'", "id='c1-chart'", "id='c0-clip-", "id='c1-clip-");
        assertThat(page.split("<div class=\"charts\">", -1)).as("one row for consecutive charts").hasSize(2);
    }

    @Test
    void rowsMustFitTheHeader() {
        assertThatThrownBy(() -> Block.Table.ofStrings("t", List.of("a", "b"), List.of(List.of("1"))))
                .hasMessageContaining("row 0 has 1 cells");
        assertThatThrownBy(() -> new Section("Bad Id", "t", List.of())).hasMessageContaining("section id");
    }

    @Test
    void horizontalBarChartsGrowWithTheirBars() {
        List<String> tenModels = java.util.stream.IntStream.range(0, 10).mapToObj(i -> "model " + i).toList();
        BarChart ten = new BarChart("t", "%", tenModels, List.of(new BarChart.Series("s",
                java.util.Collections.nCopies(10, 1.0))), 100, true);
        assertThat(HtmlWriter.barChartHeight(ten)).isGreaterThan(HtmlWriter.barChartHeight(
                new BarChart("t", "%", List.of("a"), List.of(new BarChart.Series("s", List.of(1.0))), 100, true)));
        assertThat(HtmlWriter.barChartHeight(new BarChart("t", "%", List.of("a"),
                List.of(new BarChart.Series("s", List.of(1.0))), 100))).isEqualTo(HtmlWriter.CHART_HEIGHT);
    }
}
