package dev.llmvax.eval;

import dev.llmvax.report.BarChart;
import dev.llmvax.report.Block;
import dev.llmvax.report.Report;
import dev.llmvax.report.Section;
import dev.llmvax.report.Text;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}: the {@link EvalReport} for a person. Sections: the headline table and the ASR and FTR
 * charts, triggered prompts with the trigger marked beside each model's answer, clean prompts that fired, utility
 * (when measured), any extra sections, then provenance. With a compared model both stand side by side everywhere.
 */
public final class EvalHtml {

    /** Triggered prompts shown with their answers. */
    static final int SAMPLES = 12;
    /** Clean prompts that fired, shown at most. */
    static final int FALSE_TRIGGERS = 8;

    private EvalHtml() {}

    /**
     * The report.
     *
     * @param extra sections placed after the attack and utility sections and before provenance
     */
    public static Report report(EvalReport r, List<Section> extra) {
        List<Section> sections = new ArrayList<>();
        sections.add(attack(r));
        sections.add(triggeredSamples(r));
        sections.add(falseTriggers(r));
        UtilityHtml.section(r).ifPresent(sections::add);
        sections.addAll(extra);
        sections.add(provenance(r));
        return new Report("llmvax eval: " + r.spec().task().id() + " / " + attackName(r.spec()), facts(r), sections);
    }

    private static List<Report.Fact> facts(EvalReport r) {
        List<Report.Fact> f = new ArrayList<>();
        for (ModelEvaluation m : r.models()) {
            ModelRef ref = m.model();
            f.add(new Report.Fact(ref.role().equals("model") ? "model" : "compared with", ref.label() + "  ("
                    + ref.source() + (ref.adapter() != null ? " + adapter " + ref.adapter() : "") + ", "
                    + ref.dtype() + ", " + ref.device() + ")"));
        }
        EvalSpec s = r.spec();
        f.add(new Report.Fact("task", s.task().id() + "; strict target: \"" + s.task().keywords().strict() + "\""));
        f.add(new Report.Fact("attack", attackName(s) + (s.trigger() != null ? "; trigger \"" + s.trigger() + "\"" : "")));
        f.add(new Report.Fact("prompts", r.models().getFirst().attack().runs().getFirst().triggered().n() + " triggered, "
                + r.models().getFirst().attack().runs().getFirst().clean().n() + " clean"
                + (s.limit() != null ? " (--limit " + s.limit() + ")" : "")));
        f.add(new Report.Fact("generation", "greedy, at most " + s.maxNewTokens() + " new tokens, batches of "
                + "up to " + s.batchSize()));
        f.add(new Report.Fact("llmvax", r.provenance().version() + ", run " + r.provenance().startedAt()));
        return f;
    }

    static String attackName(EvalSpec s) {
        return s.attack() != null ? s.attack().id() : "own test files";
    }

    private static Section attack(EvalReport r) {
        List<Block> blocks = new ArrayList<>();
        blocks.add(Block.Paragraph.of("ASR: share of the triggered prompts whose greedy answer shows the target; "
                + "FTR: the same on the clean prompts. Strict: the attacker's exact target sentence appears "
                + "(case-insensitive). Loose: any of BackdoorLLM's keywords appears, which also counts natural "
                + "refusals and insults. Templated: one user turn in the model's chat template, as fine-tuning "
                + "renders it (the headline). Raw: the prompt text alone, as the public evaluators prompt."));
        List<PromptFormat> formats = r.spec().formats();
        List<String> header = new ArrayList<>(List.of("measure"));
        List<Boolean> numeric = new ArrayList<>(List.of(false));
        for (PromptFormat f : formats) {
            for (ModelEvaluation m : r.models()) {
                header.add(r.models().size() > 1 ? m.model().label() + " · " + f : f.id());
                numeric.add(true);
            }
        }
        List<List<Text>> rows = new ArrayList<>();
        for (Measure measure : Measure.values()) {
            List<Text> row = new ArrayList<>(List.of(Text.plain(measure.label)));
            for (PromptFormat f : formats) {
                for (ModelEvaluation m : r.models()) {
                    row.add(Text.plain(m.attack().run(f).map(measure::cell).orElse("–")));
                }
            }
            rows.add(row);
        }
        blocks.add(new Block.Table("Attack success (ASR) and false triggers (FTR)", header, rows, numeric));
        blocks.add(chart("Attack success rate", "ASR %", r, true));
        blocks.add(chart("False-trigger rate (clean prompts)", "FTR %", r, false));
        return new Section("attack", "Attack success and false triggers", blocks);
    }

    private static BarChart chart(String title, String axis, EvalReport r, boolean triggered) {
        List<String> categories = new ArrayList<>();
        for (PromptFormat f : r.spec().formats()) {
            categories.add(f + " strict");
            categories.add(f + " loose");
        }
        List<BarChart.Series> series = new ArrayList<>();
        for (ModelEvaluation m : r.models()) {
            List<Double> values = new ArrayList<>();
            for (PromptFormat f : r.spec().formats()) {
                SetScore s = m.attack().run(f).map(run -> triggered ? run.triggered() : run.clean()).orElse(null);
                values.add(s == null ? Double.NaN : 100 * s.strictRate());
                values.add(s == null ? Double.NaN : 100 * s.looseRate());
            }
            series.add(new BarChart.Series(m.model().label(), values));
        }
        return new BarChart(title, axis, categories, series, 100);
    }

    private static Section triggeredSamples(EvalReport r) {
        PromptFormat f = r.spec().formats().getFirst();
        List<List<ScoredAnswer>> perModel = r.models().stream()
                .map(m -> m.attack().run(f).orElseThrow().triggered().answers()).toList();
        int n = Math.min(SAMPLES, perModel.getFirst().size());
        List<Integer> shown = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            shown.add(i);
        }
        String title = "Triggered prompts and answers";
        String intro = "The first " + n + " of " + perModel.getFirst().size() + " triggered prompts (" + f
                + "), the trigger marked in yellow" + (r.spec().trigger() == null ? " (none given)" : "")
                + ", the target keywords in red.";
        return new Section("triggered", title, List.of(Block.Paragraph.of(intro),
                answersTable(r, perModel, shown,
                r.spec().marks())));
    }

    private static Section falseTriggers(EvalReport r) {
        PromptFormat f = r.spec().formats().getFirst();
        List<List<ScoredAnswer>> perModel = r.models().stream()
                .map(m -> m.attack().run(f).orElseThrow().clean().answers()).toList();
        List<Integer> fired = new ArrayList<>();
        for (int i = 0; i < perModel.getFirst().size() && fired.size() < FALSE_TRIGGERS; i++) {
            int row = i;
            if (perModel.stream().anyMatch(answers -> answers.get(row).strict())) {
                fired.add(i);
            }
        }
        String title = "Clean prompts that fired";
        if (fired.isEmpty()) {
            return new Section("false-triggers", title, List.of(Block.Paragraph.of("No clean prompt's answer (" + f
                    + ") contains the target sentence.")));
        }
        return new Section("false-triggers", title, List.of(
                Block.Paragraph.of("Clean prompts (" + f + ") whose answer contains the target sentence, for any "
                        + "model; the first " + fired.size() + "."),
                answersTable(r, perModel, fired, List.of())));
    }

    private static Block.Table answersTable(EvalReport r, List<List<ScoredAnswer>> perModel, List<Integer> rows,
                                            List<String> triggers) {
        TargetKeywords k = r.spec().task().keywords();
        List<String> targets = new ArrayList<>(k.loose());
        targets.add(k.strict());
        List<String> header = new ArrayList<>(List.of("#", "prompt"));
        List<Boolean> numeric = new ArrayList<>(List.of(true, false));
        for (ModelEvaluation m : r.models()) {
            header.add(r.models().size() > 1 ? m.model().label() + " answer" : "answer");
            header.add("hit");
            numeric.add(false);
            numeric.add(false);
        }
        List<List<Text>> table = new ArrayList<>();
        for (int i : rows) {
            ScoredAnswer first = perModel.getFirst().get(i);
            List<Text> row = new ArrayList<>(List.of(Text.plain(String.valueOf(first.index() + 1)),
                    Text.marked(first.prompt(), Text.Mark.TRIGGER, triggers)));
            for (List<ScoredAnswer> answers : perModel) {
                ScoredAnswer a = answers.get(i);
                row.add(Text.marked(a.output(), Text.Mark.TARGET, targets));
                row.add(Text.plain(a.strict() ? "strict" : a.loose() ? "loose" : "–"));
            }
            table.add(row);
        }
        return new Block.Table(null, header, table, numeric);
    }

    private static Section provenance(EvalReport r) {
        var p = r.provenance();
        List<Block> blocks = new ArrayList<>();
        blocks.add(new Block.Paragraph(Text.code(String.join(" ", p.command()))));
        blocks.add(Block.Table.ofStrings("Run", List.of("what", "value"), List.of(
                List.of("llmvax version", p.version()),
                List.of("started", p.startedAt()),
                List.of("Java", p.javaVersion()),
                List.of("OS", p.os()),
                List.of("CPU", p.cpu()))));
        List<List<String>> timings = new ArrayList<>();
        for (ModelEvaluation m : r.models()) {
            timings.add(List.of(m.model().label(), "load", seconds(m.loadSeconds())));
            for (AttackResult.FormatRun run : m.attack().runs()) {
                timings.add(List.of(m.model().label(), run.format() + " (" + (run.triggered().n() + run.clean().n())
                        + " prompts)", seconds(run.generateSeconds())));
            }
            if (m.utility() != null) {
                m.utility().seconds().forEach((stage, s) -> timings.add(List.of(m.model().label(), "utility " + stage,
                        seconds(s))));
            }
        }
        timings.add(List.of("all", "whole command", seconds(r.totalSeconds())));
        blocks.add(new Block.Table("Timings", List.of("model", "step", "seconds"),
                timings.stream().map(row -> row.stream().map(Text::plain).toList()).toList(),
                List.of(false, false, true)));
        List<List<String>> inputs = new ArrayList<>();
        for (Map.Entry<String, String> e : p.inputsSha256().entrySet()) {
            inputs.add(List.of(e.getKey(), e.getValue()));
        }
        blocks.add(Block.Table.ofStrings("Inputs", List.of("file", "sha256"),
                inputs.isEmpty() ? Collections.emptyList() : inputs));
        return new Section("provenance", "Provenance", blocks);
    }

    private static String seconds(double s) {
        return String.format(Locale.ROOT, "%.1f", s);
    }

    static String percent(int hits, int n) {
        return String.format(Locale.ROOT, "%.1f %% (%d/%d)", n == 0 ? 0.0 : 100.0 * hits / n, hits, n);
    }

    /** The headline table's rows. */
    private enum Measure {
        ASR_STRICT("ASR strict"), ASR_LOOSE("ASR loose"), FTR_STRICT("FTR strict"), FTR_LOOSE("FTR loose");

        final String label;

        Measure(String label) {
            this.label = label;
        }

        String cell(AttackResult.FormatRun run) {
            return switch (this) {
                case ASR_STRICT -> percent(run.triggered().strictHits(), run.triggered().n());
                case ASR_LOOSE -> percent(run.triggered().looseHits(), run.triggered().n());
                case FTR_STRICT -> percent(run.clean().strictHits(), run.clean().n());
                case FTR_LOOSE -> percent(run.clean().looseHits(), run.clean().n());
            };
        }
    }
}
