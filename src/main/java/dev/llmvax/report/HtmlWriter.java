package dev.llmvax.report;

import java.util.List;

/**
 * Writes a {@link Report} as one self-contained HTML page: inline CSS, inline SVG charts, no scripts, fonts or
 * links outside the page, so it opens offline and can be mailed as one file. All text is HTML-escaped here.
 */
public final class HtmlWriter {

    static final int CHART_WIDTH = 560;
    static final int CHART_HEIGHT = 340;
    // heat maps take a row of the page to themselves (wide matrices), and grow with their rows so labels fit
    static final int HEAT_MAP_WIDTH = 1120;
    static final int HEAT_MAP_ROW_HEIGHT = 14;
    static final int HEAT_MAP_MAX_HEIGHT = 900;
    // horizontal bar charts (one bar per model) grow with their bars
    static final int HORIZONTAL_BAR_HEIGHT = 26;

    private static final String CSS = """
            body { font-family: sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
            h1 { font-size: 1.6em; margin-bottom: .2em; }
            h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
            dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; font-size: .9em; }
            dl.facts dt { color: #666; } dl.facts dd { margin: 0; font-family: monospace; word-break: break-all; }
            nav ul { padding-left: 1.2em; font-size: .9em; }
            table { border-collapse: collapse; margin: .8em 0; font-size: .9em; max-width: 100%; }
            caption { text-align: left; font-weight: bold; padding-bottom: .3em; white-space: nowrap; }
            th, td { border: 1px solid #ddd; padding: .3em .6em; vertical-align: top; text-align: left; }
            th { background: #f4f4f4; }
            td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
            td { white-space: pre-wrap; max-width: 36em; overflow-wrap: break-word; }
            .charts { display: flex; flex-wrap: wrap; gap: 1em; }
            .chart { border: 1px solid #eee; }
            mark.trigger { background: #ffd54f; }
            mark.target { background: #ef9a9a; }
            code { font-family: monospace; background: #f4f4f4; }
            footer { margin-top: 3em; font-size: .8em; color: #888; }
            """;

    private HtmlWriter() {}

    /** The page. */
    public static String html(Report report) {
        StringBuilder b = new StringBuilder(64 * 1024);
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                .append(escape(report.title())).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        b.append("<h1>").append(escape(report.title())).append("</h1>\n<dl class=\"facts\">\n");
        for (Report.Fact f : report.facts()) {
            b.append("<dt>").append(escape(f.name())).append("</dt><dd>").append(escape(f.value())).append("</dd>\n");
        }
        b.append("</dl>\n<nav><ul>\n");
        for (Section s : report.sections()) {
            b.append("<li><a href=\"#").append(s.id()).append("\">").append(escape(s.title())).append("</a></li>\n");
        }
        b.append("</ul></nav>\n");
        int chart = 0;
        for (Section s : report.sections()) {
            b.append("<section id=\"").append(s.id()).append("\">\n<h2>").append(escape(s.title())).append("</h2>\n");
            boolean inCharts = false;
            for (Block block : s.blocks()) {
                boolean isChart = block instanceof BarChart || block instanceof HeatMap;
                if (isChart && !inCharts) {
                    b.append("<div class=\"charts\">\n");
                } else if (!isChart && inCharts) {
                    b.append("</div>\n");
                }
                inCharts = isChart;
                switch (block) {
                    case Block.Paragraph p -> b.append("<p>").append(html(p.text())).append("</p>\n");
                    case Block.Table t -> table(b, t);
                    case BarChart c -> b.append("<div class=\"chart\">")
                            .append(SvgCharts.svg(c, CHART_WIDTH, barChartHeight(c), "c" + chart++ + "-"))
                            .append("</div>\n");
                    case HeatMap h -> b.append("<div class=\"chart\">")
                            .append(SvgCharts.svg(h, HEAT_MAP_WIDTH, heatMapHeight(h), "c" + chart++ + "-"))
                            .append("</div>\n");
                }
            }
            if (inCharts) {
                b.append("</div>\n");
            }
            b.append("</section>\n");
        }
        b.append("<footer>Written by llmvax. Self-contained: no scripts, fonts or links outside this file.</footer>\n");
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    /** Columns: the standard height; horizontal bars: a row of bars per category, so long lists stay legible. */
    static int barChartHeight(BarChart c) {
        if (!c.horizontal()) {
            return CHART_HEIGHT;
        }
        long bars = (long) c.categories().size() * Math.max(1, c.series().size());
        return (int) Math.clamp(110 + HORIZONTAL_BAR_HEIGHT * bars, 200, HEAT_MAP_MAX_HEIGHT);
    }

    static int heatMapHeight(HeatMap h) {
        return Math.clamp(140L + (long) HEAT_MAP_ROW_HEIGHT * h.rowLabels().size(), CHART_HEIGHT, HEAT_MAP_MAX_HEIGHT);
    }

    private static void table(StringBuilder b, Block.Table t) {
        b.append("<table>\n");
        if (t.caption() != null) {
            b.append("<caption>").append(escape(t.caption())).append("</caption>\n");
        }
        b.append("<tr>");
        for (String h : t.header()) {
            b.append("<th>").append(escape(h)).append("</th>");
        }
        b.append("</tr>\n");
        for (List<Text> row : t.rows()) {
            b.append("<tr>");
            for (int c = 0; c < row.size(); c++) {
                b.append(t.isNumeric(c) ? "<td class=\"num\">" : "<td>").append(html(row.get(c))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");
    }

    static String html(Text text) {
        StringBuilder b = new StringBuilder();
        for (Text.Run r : text.runs()) {
            String e = escape(r.text());
            switch (r.mark()) {
                case NONE -> b.append(e);
                case TRIGGER -> b.append("<mark class=\"trigger\">").append(e).append("</mark>");
                case TARGET -> b.append("<mark class=\"target\">").append(e).append("</mark>");
                case CODE -> b.append("<code>").append(e).append("</code>");
            }
        }
        return b.toString();
    }

    /** Escapes text for element content and double-quoted attributes. */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> {
                    // control characters other than tab, newline and return are not allowed in HTML text
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        b.append("\uFFFD");
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }
}
