package dev.llmvax.report;

import java.util.List;

/**
 * A titled part of a report. Producers of results (attack success, utility, ...) each contribute sections,
 * so a new kind of result is one more section, not a change to the writer.
 *
 * @param id     the HTML anchor, lower-case letters, digits and '-'
 * @param title  the heading
 * @param blocks the content, in order
 */
public record Section(String id, String title, List<Block> blocks) {
    public Section {
        if (!id.matches("[a-z0-9-]+")) {
            throw new IllegalArgumentException("section id must be lower-case letters, digits and '-': " + id);
        }
        blocks = List.copyOf(blocks);
    }
}
