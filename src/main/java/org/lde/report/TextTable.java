package org.lde.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A plain-text table for the terminal: every column as wide as its widest cell (header included),
 * so that no header or value is ever cut. The first column is left-aligned (names), the others
 * right-aligned (numbers); columns are separated by two spaces.
 */
public final class TextTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    /** A table with these column headers. */
    public TextTable(List<String> header) {
        if (header.isEmpty()) {
            throw new IllegalArgumentException("a table needs at least one column");
        }
        this.header = List.copyOf(header);
    }

    /**
     * Adds a row.
     *
     * @throws IllegalArgumentException when the row does not have one cell per column
     */
    public TextTable add(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("row has " + cells.size() + " cells for " + header.size() + " columns: "
                    + cells);
        }
        cells.forEach(c -> Objects.requireNonNull(c, "table cell"));
        rows.add(List.copyOf(cells));
        return this;
    }

    /** The table as lines (header first), without trailing spaces. */
    public List<String> lines() {
        int[] width = new int[header.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = header.get(c).length();
            for (List<String> r : rows) {
                width[c] = Math.max(width[c], r.get(c).length());
            }
        }
        List<String> out = new ArrayList<>(rows.size() + 1);
        out.add(line(header, width));
        for (List<String> r : rows) {
            out.add(line(r, width));
        }
        return out;
    }

    /** The table as one string, lines ended by {@code \n}. */
    @Override
    public String toString() {
        return String.join("\n", lines()) + "\n";
    }

    private static String line(List<String> cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < cells.size(); c++) {
            String v = cells.get(c);
            if (c == 0) {
                sb.append(v).append(" ".repeat(width[0] - v.length()));
            } else {
                sb.append("  ").append(" ".repeat(width[c] - v.length())).append(v);
            }
        }
        return sb.toString().stripTrailing();
    }
}
