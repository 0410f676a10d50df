package org.lde.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The fenced code blocks of a Markdown file (the repository's README and docs/), so that tests can
 * compile, run or parse what the documentation shows. A block may be tagged by an HTML comment
 * {@code <!-- example: NAME -->} on the line before its opening fence.
 *
 * @param language the info string after the opening fence ({@code java}, {@code json}, ... or "")
 * @param tag      the NAME of a preceding {@code <!-- example: NAME -->} comment, or ""
 * @param line     the 1-based line of the opening fence (for messages)
 * @param text     the block's content, lines ended by {@code \n}
 */
public record MarkdownBlocks(String language, String tag, int line, String text) {

    /** The project root: the folder with pom.xml (tests run there). */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("pom.xml"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no pom.xml above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** Every fenced block of {@code file} (relative to the project root), in order. */
    public static List<MarkdownBlocks> of(String file) {
        List<String> lines = lines(file);
        List<MarkdownBlocks> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (!l.startsWith("```")) {
                continue;
            }
            String lang = l.substring(3).trim();
            String tag = "";
            if (i > 0) {
                String prev = lines.get(i - 1).trim();
                if (prev.startsWith("<!-- example:") && prev.endsWith("-->")) {
                    tag = prev.substring("<!-- example:".length(), prev.length() - 3).trim();
                }
            }
            StringBuilder sb = new StringBuilder();
            int j = i + 1;
            while (j < lines.size() && !lines.get(j).startsWith("```")) {
                sb.append(lines.get(j)).append('\n');
                j++;
            }
            if (j == lines.size()) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": code block is never closed");
            }
            out.add(new MarkdownBlocks(lang, tag, i + 1, sb.toString()));
            i = j;
        }
        return out;
    }

    /** The one block of {@code file} tagged {@code tag}. */
    public static MarkdownBlocks tagged(String file, String tag) {
        List<MarkdownBlocks> found = of(file).stream().filter(b -> b.tag().equals(tag)).toList();
        if (found.size() != 1) {
            throw new IllegalStateException(file + " has " + found.size() + " blocks tagged '" + tag + "', expected 1");
        }
        return found.get(0);
    }

    /** Lines of {@code file} outside fenced blocks that are indented by four spaces (Markdown's other code form). */
    public static List<String> indentedCode(String file) {
        List<String> lines = lines(file);
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String l : lines) {
            if (l.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && l.startsWith("    ") && !l.isBlank()) {
                out.add(l.substring(4));
            }
        }
        return out;
    }

    /** The lines of {@code file}, relative to the project root. */
    public static List<String> lines(String file) {
        try {
            return Files.readAllLines(root().resolve(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
