package dev.llmvax.report;

import java.util.List;
import java.util.Objects;

/** One piece of a report section, in reading order. */
public sealed interface Block permits Block.Paragraph, Block.Table, BarChart, HeatMap {

    /** A paragraph of text. */
    record Paragraph(Text text) implements Block {
        public Paragraph {
            Objects.requireNonNull(text, "text");
        }

        public static Paragraph of(String s) {
            return new Paragraph(Text.plain(s));
        }
    }

    /**
     * A table; every row has as many cells as the header.
     *
     * @param caption shown above the table, or null
     * @param numeric per column: right-aligned (numbers); null or shorter means left-aligned
     */
    record Table(String caption, List<String> header, List<List<Text>> rows, List<Boolean> numeric) implements Block {
        public Table {
            header = List.copyOf(header);
            rows = rows.stream().map(List::copyOf).toList();
            numeric = numeric == null ? List.of() : List.copyOf(numeric);
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).size() != header.size()) {
                    throw new IllegalArgumentException("table '" + caption + "' row " + i + " has "
                            + rows.get(i).size() + " cells, the header " + header.size());
                }
            }
        }

        /** A table of plain strings, left-aligned. */
        public static Table ofStrings(String caption, List<String> header, List<List<String>> rows) {
            return new Table(caption, header, rows.stream().map(r -> r.stream().map(Text::plain).toList()).toList(),
                    null);
        }

        boolean isNumeric(int column) {
            return column < numeric.size() && Boolean.TRUE.equals(numeric.get(column));
        }
    }
}
