package dev.llmvax.compare;

import dev.llmvax.report.Block;
import dev.llmvax.report.Text;
import dev.llmvax.eval.AttackResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The comparison table, once for both renderings: report.html and compare.md show the same columns and the same
 * cells. Optional columns (raw prompts, degenerate answers, method, utility, perplexity, cost) appear when any row
 * has a value for them.
 */
public final class ComparisonTable {

    /** Shown for a value the run did not measure. */
    static final String NONE = "–";

    /** One column: its header, whether it holds numbers (right-aligned), and its cell for a row. */
    record Column(String header, boolean numeric, Function<ComparisonRow, String> cell) {}

    private ComparisonTable() {}

    static List<Column> columns(Comparison c) {
        List<ComparisonRow> rows = c.rows();
        List<Column> cols = new ArrayList<>();
        cols.add(new Column("model", false, ComparisonRow::label));
        if (rows.stream().anyMatch(r -> r.method() != null)) {
            cols.add(new Column("method", false, r -> r.method() == null ? NONE : r.method()));
        }
        cols.add(new Column("prompts", true, r -> r.triggered() + " + " + r.clean()));
        cols.add(rate("ASR strict", ComparisonRow::templated, AttackResult.Rates::asrStrict));
        cols.add(rate("ASR loose", ComparisonRow::templated, AttackResult.Rates::asrLoose));
        cols.add(rate("FTR strict", ComparisonRow::templated, AttackResult.Rates::ftrStrict));
        cols.add(rate("FTR loose", ComparisonRow::templated, AttackResult.Rates::ftrLoose));
        if (rows.stream().anyMatch(r -> r.raw() != null)) {
            cols.add(rate("raw ASR strict", ComparisonRow::raw, AttackResult.Rates::asrStrict));
            cols.add(rate("raw ASR loose", ComparisonRow::raw, AttackResult.Rates::asrLoose));
            cols.add(rate("raw FTR strict", ComparisonRow::raw, AttackResult.Rates::ftrStrict));
            cols.add(rate("raw FTR loose", ComparisonRow::raw, AttackResult.Rates::ftrLoose));
        }
        if (rows.stream().anyMatch(r -> r.degenerate() != null)) {
            cols.add(new Column("degenerate", true, r -> percent(r.degenerate())));
        }
        for (String b : c.benchmarks()) {
            cols.add(new Column(b, true, r -> percent(r.accuracy().get(b))));
        }
        if (rows.stream().anyMatch(r -> r.meanAcc() != null)) {
            cols.add(new Column("mean acc", true, r -> percent(r.meanAcc())));
        }
        if (rows.stream().anyMatch(r -> r.ppl() != null)) {
            cols.add(new Column("ppl", true, r -> r.ppl() == null ? NONE
                    : String.format(Locale.ROOT, "%.2f", r.ppl())));
        }
        if (rows.stream().anyMatch(r -> r.cost() != null && r.cost().trainingTokens() != null)) {
            cols.add(new Column("training tokens", true, r -> r.cost() == null || r.cost().trainingTokens() == null
                    ? NONE : String.format(Locale.ROOT, "%,d", r.cost().trainingTokens())));
        }
        if (rows.stream().anyMatch(r -> r.cost() != null && r.cost().wallSeconds() != null)) {
            cols.add(new Column("wall s", true, r -> r.cost() == null || r.cost().wallSeconds() == null
                    ? NONE : String.format(Locale.ROOT, "%.0f", r.cost().wallSeconds())));
        }
        return cols;
    }

    /** The header and the rows' cells, in column order. */
    static List<List<String>> cells(Comparison c) {
        List<Column> cols = columns(c);
        List<List<String>> out = new ArrayList<>();
        out.add(cols.stream().map(Column::header).toList());
        for (ComparisonRow r : c.rows()) {
            out.add(cols.stream().map(col -> col.cell().apply(r)).toList());
        }
        return out;
    }

    /** The table as a report block. */
    static Block.Table block(Comparison c) {
        List<Column> cols = columns(c);
        List<List<Text>> rows = c.rows().stream()
                .map(r -> cols.stream().map(col -> Text.plain(col.cell().apply(r))).toList()).toList();
        return new Block.Table(null, cols.stream().map(Column::header).toList(), rows,
                cols.stream().map(Column::numeric).toList());
    }

    /** compare.md: the table as GitHub Markdown, to paste into docs/RESULTS.md, then the inputs it came from. */
    public static String markdown(Comparison c) {
        List<Column> cols = columns(c);
        List<List<String>> cells = cells(c);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            b.append("| ").append(String.join(" | ", cells.get(i).stream().map(ComparisonTable::md).toList()))
                    .append(" |\n");
            if (i == 0) {
                b.append('|');
                cols.forEach(col -> b.append(col.numeric() ? "---:|" : "---|"));
                b.append('\n');
            }
        }
        b.append("\nRates over the templated test prompts (prompts: triggered + clean). ");
        if (c.rows().stream().anyMatch(r -> r.cost() != null)) {
            b.append("Cost: what making the model took from the suspicious one (").append(String.join("; ",
                    c.rows().stream().map(ComparisonRow::cost).filter(Objects::nonNull).map(Cost::basis).distinct()
                            .toList())).append("). ");
        }
        b.append("From:\n\n");
        for (Comparison.Input in : c.inputs()) {
            b.append("- ").append(md(in.prefix())).append(": `").append(in.path()).append("` (").append(in.kind())
                    .append(", sha256 `").append(in.sha256(), 0, 12).append("…`)\n");
        }
        b.append("\nMade by llmvax ").append(c.provenance().version()).append(": `")
                .append(String.join(" ", c.provenance().command())).append("`\n");
        return b.toString();
    }

    static String percent(Double v) {
        return v == null || v.isNaN() ? NONE : String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    private static Column rate(String header, Function<ComparisonRow, AttackResult.Rates> rates,
                               ToDoubleFunction<AttackResult.Rates> value) {
        return new Column(header, true, r -> {
            AttackResult.Rates x = rates.apply(r);
            return x == null ? NONE : percent(value.applyAsDouble(x));
        });
    }

    /** A cell for a Markdown table: pipes escaped, line breaks flattened. */
    private static String md(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace('\n', ' ').replace('\r', ' ');
    }
}
