package org.lde.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A progress bar on stderr: items done of the total, percentage, rate, elapsed time and the time left
 * (from the rate so far). On a terminal it redraws one line ({@code \r}); elsewhere (with {@code --progress})
 * it prints a line at most every two seconds and at the end. Hidden when not enabled. Also the warning
 * before a long run, estimated from the first batch ({@link #longRunWarning}).
 */
final class Progress implements AutoCloseable {
    /** Runs estimated longer than this many seconds are announced ({@code -Dlde.longRunSeconds} changes it). */
    static final double LONG_RUN_SECONDS = Double.parseDouble(System.getProperty("lde.longRunSeconds", "60"));

    private final String what;
    private final String unit;
    private final long total;
    private final boolean enabled;
    private final boolean redraw;
    private final boolean warnings;
    private final PrintStream err;
    private final long t0 = System.nanoTime();
    private long lastPrint = Long.MIN_VALUE;
    private boolean drawn;
    private boolean warned;

    Progress(String what, String unit, long total, boolean enabled, boolean terminal, PrintStream err) {
        this(what, unit, total, enabled, terminal, true, err);
    }

    /** As above; {@code warnings} false ({@code --quiet}) silences {@link #warnIfLong} and {@link #note}. */
    Progress(String what, String unit, long total, boolean enabled, boolean terminal, boolean warnings, PrintStream err) {
        this.what = what;
        this.unit = unit;
        this.total = total;
        this.enabled = enabled;
        this.redraw = terminal;
        this.warnings = warnings;
        this.err = err;
    }

    /**
     * The long-run warning ({@link #longRunWarning}), printed once: the first time that the {@code done} items so
     * far, in the time since this bar was made, project to more than {@link #LONG_RUN_SECONDS} for all of them.
     * Called after each item (or batch), so that a run whose first items were quick and whose later ones are slow
     * (evaluate's methods) is still announced as soon as the projection says so.
     */
    void warnIfLong(long done, String hint) {
        if (!warnings || warned) {
            return;
        }
        String w = longRunWarning(what, unit, done, total, (System.nanoTime() - t0) / 1e9, hint);
        if (w != null) {
            warned = true;
            message(w);
        }
    }

    /** A progress line ({@code [2/5] rise: done in 3.1 s}): printed only where the bar is shown. */
    void note(String line) {
        if (enabled) {
            message(line);
        }
    }

    /** Reports {@code done} items finished. */
    void update(long done) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (!redraw && done < total && now - lastPrint < 2_000_000_000L) {
            return;
        }
        lastPrint = now;
        String line = line(what, unit, done, total, (now - t0) / 1e9);
        if (redraw) {
            err.print("\r" + line + "   ");
        } else {
            err.println(line);
        }
        err.flush();
        drawn = true;
    }

    /** Prints {@code line} on its own line (clearing the bar on a terminal; it is redrawn at the next update). */
    void message(String line) {
        if (enabled && redraw && drawn) {
            err.print("\r" + " ".repeat(100) + "\r");
            drawn = false;
        }
        err.println(line);
    }

    @Override
    public void close() {
        if (enabled && redraw && drawn) {
            err.println();
        }
    }

    /** {@code explain [#######-------------]  32/256 images  12%  1.9 images/s  elapsed 0:17  left 2:03}. */
    static String line(String what, String unit, long done, long total, double seconds) {
        int width = 20;
        int filled = total == 0 ? width : (int) (width * Math.min(1.0, done / (double) total));
        double rate = seconds > 0 ? done / seconds : 0;
        String left = done > 0 && done < total ? clock((total - done) / rate) : done >= total ? "0:00" : "?";
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d %s %3d%%  %.3g %s/s  elapsed %s  left %s", what,
                "#".repeat(filled), "-".repeat(width - filled), done, total, unit,
                total == 0 ? 100 : (int) (100 * done / total), rate, unit, clock(seconds), left);
    }

    /**
     * The warning before a long run: the time for {@code total} items extrapolated from the first {@code done}
     * items, which took {@code seconds}; {@code null} when the estimate is at most {@link #LONG_RUN_SECONDS}.
     */
    static String longRunWarning(String command, String unit, long done, long total, double seconds, String hint) {
        if (done <= 0 || done >= total) {
            return null;
        }
        double estimate = seconds / done * total;
        if (estimate <= LONG_RUN_SECONDS) {
            return null;
        }
        return String.format(Locale.ROOT, "lde %s: warning: this run will take about %s for %d %s (the first %d took %.1f s)%s",
                command, clock(estimate), total, unit, done, seconds, hint.isEmpty() ? "" : "; " + hint);
    }

    /** {@code m:ss} or {@code h:mm:ss}. */
    static String clock(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
