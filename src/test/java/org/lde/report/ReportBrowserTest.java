package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lde.cli.Main;

/**
 * The demo's {@code index.html} rendered by a real browser (headless Chromium): every image loads, no
 * script error, and the screenshot has the window's size and shows the diverging maps. Skipped, with the
 * reason, on a machine without Chromium ({@code chromium}, {@code chromium-browser} or {@code google-chrome}
 * on the PATH, or {@code -Dlde.chromium=PATH}); {@code .ci/run} installs it where apt-get can. The
 * screenshot is left in {@code target/report-browser/} to be looked at; {@code src/scripts/report-screenshot.sh}
 * makes the one in {@code docs/}.
 */
class ReportBrowserTest {
    static final int W = 1400;
    static final int H = 2400;

    /** The Chromium executable, or null. */
    static String chromium() {
        String given = System.getProperty("lde.chromium");
        if (given != null && Files.isExecutable(Path.of(given))) {
            return given;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return p.toString();
                }
            }
        }
        return null;
    }

    /** Runs Chromium headless on {@code page} with {@code extra} arguments; returns stdout + stderr. */
    static String browse(String exe, Path page, Path profile, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0",
                "--window-size=" + W + "," + H, "--virtual-time-budget=10000"));
        cmd.addAll(List.of(extra));
        cmd.add(page.toUri().toString());
        Path log = Files.createTempFile(profile.getParent(), "chromium", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 90 s: " + cmd);
        }
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    @Test
    void demoPageRendersInHeadlessChromium(@TempDir Path dir) throws Exception {
        String exe = chromium();
        assumeTrue(exe != null, "no Chromium on this machine (chromium, chromium-browser or google-chrome on the PATH, "
                + "or -Dlde.chromium=PATH): apt-get install chromium to run this test");
        Path out = dir.resolve("demo");
        int rc = Main.run("demo", "--count", "2", "--iterations", "2", "--compare", "saliency", "--quiet", "--out",
                out.toString());
        assertEquals(0, rc);
        Path index = out.resolve("index.html");
        String html = Files.readString(index);
        int images = count(html, "<img ");
        assertTrue(images >= 2 * 5, "tiles on the page: " + images);
        // the JFreeChart charts are images on the page too (each checked as loaded below)
        for (String chart : List.of("img-0000-probabilities.png", "img-0000-interval.png", "img-0000-attribution-bar.png",
                "img-0001-compare-saliency-bar.png")) {
            assertTrue(html.contains("src=\"" + chart + "\""), chart + " not on the page");
        }

        String dom = browse(exe, index, dir.resolve("profile1"), "--dump-dom");
        assertTrue(dom.contains("data-images-loaded=\"" + images + "\""), "every image loads: " + attrs(dom));
        assertTrue(dom.contains("data-images-broken=\"0\""), attrs(dom));
        assertTrue(dom.contains("data-script-errors=\"0\""), attrs(dom));
        for (String line : dom.lines().toList()) {
            assertFalse(line.contains("CONSOLE") && (line.contains("rror") || line.contains("Uncaught")),
                    "console error: " + line);
        }

        Path shots = Files.createDirectories(Path.of("target", "report-browser"));
        Path shot = shots.resolve("demo-index.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        String log = browse(exe, index, dir.resolve("profile2"), "--screenshot=" + shot);
        assertTrue(Files.exists(shot), "no screenshot written: " + log);
        BufferedImage img = ImageIO.read(shot.toFile());
        assertEquals(W, img.getWidth());
        assertEquals(H, img.getHeight());
        // not blank, and the diverging maps are drawn: strongly red and strongly blue pixels of the colour map
        Set<Integer> colours = new HashSet<>();
        int red = 0;
        int blue = 0;
        for (int y = 0; y < H; y += 2) {
            for (int x = 0; x < W; x += 2) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(rgb);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                red += r > 150 && g < 120 && b < 120 ? 1 : 0;
                blue += b > 130 && r < 120 && g < 170 ? 1 : 0;
            }
        }
        assertTrue(colours.size() > 200, "a nearly uniform screenshot: " + colours.size() + " colours");
        assertTrue(red > 50 && blue > 50, "diverging maps not visible: " + red + " red, " + blue + " blue pixels");
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static String attrs(String dom) {
        Matcher m = Pattern.compile("<body[^>]*>").matcher(dom);
        return m.find() ? m.group() : dom.substring(0, Math.min(2000, dom.length()));
    }
}
