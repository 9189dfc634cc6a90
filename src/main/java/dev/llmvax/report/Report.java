package dev.llmvax.report;

import java.util.List;

/**
 * A report for a person, rendered to one self-contained HTML file by {@link HtmlWriter}.
 *
 * @param title    the page title and top heading
 * @param facts    key and value lines under the title (model, task, version, date)
 * @param sections the body, in order; a table of contents links them
 */
public record Report(String title, List<Fact> facts, List<Section> sections) {

    /** One line of the header: what, and its value. */
    public record Fact(String name, String value) {}

    public Report {
        facts = List.copyOf(facts);
        sections = List.copyOf(sections);
    }
}
