package org.lde.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.lde.testing.MarkdownBlocks;

/**
 * The README and docs/ link only into the repository: no web addresses, no {@code ../} out of it,
 * and every relative link (and {@code #anchor}) leads to something that exists.
 */
class DocLinksTest {
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    static List<String> pages() throws IOException {
        List<String> out = new ArrayList<>(List.of("README.md"));
        try (Stream<Path> s = Files.list(MarkdownBlocks.root().resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(p -> out.add("docs/" + p.getFileName()));
        }
        return out;
    }

    /** GitHub's heading anchors: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
    static Set<String> anchors(String page) {
        Set<String> out = new HashSet<>();
        boolean fenced = false;
        for (String l : MarkdownBlocks.lines(page)) {
            if (l.startsWith("```")) {
                fenced = !fenced;
            }
            if (!fenced && l.startsWith("#")) {
                String title = l.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
                out.add(title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
            }
        }
        return out;
    }

    @Test
    void everyLinkStaysInTheRepositoryAndLeadsSomewhere() throws IOException {
        List<String> problems = new ArrayList<>();
        Path root = MarkdownBlocks.root();
        for (String page : pages()) {
            String text = Files.readString(root.resolve(page));
            if (text.contains("http://") || text.contains("https://")) {
                problems.add(page + ": contains a web address");
            }
            if (text.contains("../shared") || text.contains("shared/design")) {
                problems.add(page + ": refers to the design folder outside the repository");
            }
            Matcher m = LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
                String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
                Path base = root.resolve(page).getParent();
                Path resolved = file.isEmpty() ? root.resolve(page) : base.resolve(file).normalize();
                if (!resolved.startsWith(root)) {
                    problems.add(page + ": link " + target + " leaves the repository");
                } else if (!Files.exists(resolved)) {
                    problems.add(page + ": link " + target + " leads nowhere");
                } else if (anchor != null && !anchors(root.relativize(resolved).toString()).contains(anchor)) {
                    problems.add(page + ": link " + target + " names no heading of " + root.relativize(resolved));
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }
}
