package dev.llmvax.util;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A progress line on stderr for long work (loading, training steps, generation):
 *
 * <pre>
 * train  120/400 steps  30.0%  2.41 steps/s  elapsed 49.8s  ETA 1m56s  loss 1.23
 * </pre>
 *
 * <p>On a terminal the line is redrawn in place with {@code \r}, at most about 4 times a second.
 * Elsewhere (CI logs, files) a plain line is printed at most every 10 seconds, so logs stay
 * readable. {@link #close()} prints the final line with the total time.
 *
 * <p>Not thread-safe: one thread reports progress.
 */
public final class Progress implements AutoCloseable {

    static final long TTY_INTERVAL_NANOS = 250_000_000L; // ~4 redraws a second
    static final long PLAIN_INTERVAL_NANOS = 10_000_000_000L; // a log line every 10 s

    private final String label;
    private final long total; // <= 0: unknown
    private final String unit;
    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier nanos;
    private final long startNanos;

    private long done;
    private String extra = "";
    private long lastDrawNanos;
    private int lastWidth; // length of the line last drawn in place, to blank out leftovers
    private boolean closed;

    /** Reports to {@code System.err}; redraws in place only when stderr is a terminal. */
    public Progress(String label, long total, String unit) {
        this(label, total, unit, System.err, isTerminal(), System::nanoTime);
    }

    /**
     * @param total    the amount of work in {@code unit}s, or 0 when unknown (no percentage or ETA)
     * @param terminal true to redraw in place with {@code \r}; false for plain lines
     * @param nanos    the clock, {@link System#nanoTime()} outside tests
     */
    public Progress(String label, long total, String unit, PrintStream out, boolean terminal, LongSupplier nanos) {
        this.label = label;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.terminal = terminal;
        this.nanos = nanos;
        this.startNanos = nanos.getAsLong();
        this.lastDrawNanos = startNanos;
    }

    /** Prints a status line on stderr ({@code llmvax: <message>}). */
    public static void log(String message) {
        System.err.println("llmvax: " + message);
    }

    /** Adds {@code n} units of work done. */
    public void step(long n) {
        step(n, null);
    }

    /**
     * Adds {@code n} units of work done; {@code extra} (for example {@code "loss 1.23"}) is shown
     * at the end of the line until replaced. Null keeps the previous extra.
     */
    public void step(long n, String extra) {
        done += n;
        if (extra != null) {
            this.extra = extra;
        }
        long now = nanos.getAsLong();
        if (now - lastDrawNanos >= (terminal ? TTY_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS)) {
            draw(line(now, false), false);
            lastDrawNanos = now;
        }
    }

    /** Units done so far. */
    public long done() {
        return done;
    }

    /** Prints the final line, with the total time. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        draw(line(nanos.getAsLong(), true), true);
    }

    /** The progress line as it would be printed at clock time {@code now}. */
    String line(long now, boolean finished) {
        double seconds = Math.max(0, now - startNanos) / 1e9;
        double rate = seconds > 0 ? done / seconds : 0;
        StringBuilder s = new StringBuilder(label).append("  ").append(done);
        if (total > 0) {
            s.append('/').append(total);
        }
        s.append(' ').append(unit);
        if (total > 0) {
            s.append(String.format(Locale.ROOT, "  %.1f%%", 100.0 * done / total));
        }
        s.append("  ").append(formatRate(rate)).append(' ').append(unit).append("/s");
        if (finished) {
            s.append("  done in ").append(formatDuration(seconds));
        } else {
            s.append("  elapsed ").append(formatDuration(seconds));
            if (total > 0) {
                s.append("  ETA ").append(rate > 0 && done <= total ? formatDuration((total - done) / rate) : "?");
            }
        }
        if (!extra.isEmpty()) {
            s.append("  ").append(extra);
        }
        return s.toString();
    }

    private void draw(String line, boolean last) {
        if (terminal) {
            int pad = Math.max(0, lastWidth - line.length());
            out.print("\r" + line + " ".repeat(pad) + (last ? "\n" : ""));
            lastWidth = line.length();
        } else {
            out.println(line);
        }
        out.flush();
    }

    /** Three significant figures or so: {@code 0.123}, {@code 1.23}, {@code 12.3}, {@code 1234}. */
    static String formatRate(double rate) {
        if (rate < 1) {
            return String.format(Locale.ROOT, "%.3f", rate);
        }
        if (rate < 10) {
            return String.format(Locale.ROOT, "%.2f", rate);
        }
        if (rate < 100) {
            return String.format(Locale.ROOT, "%.1f", rate);
        }
        return String.format(Locale.ROOT, "%.0f", rate);
    }

    /** {@code 8.1s}, {@code 4m05s}, {@code 2h03m}. */
    static String formatDuration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        if (seconds < 60) {
            return String.format(Locale.ROOT, "%.1fs", seconds);
        }
        long s = Math.round(seconds);
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    /**
     * Whether we talk to a terminal. Since JDK 22 {@link System#console()} is non-null even when
     * output is redirected, so {@link java.io.Console#isTerminal()} decides; it looks at stdin and
     * stdout (Java has no test for stderr alone), so {@code llmvax ... > out.txt} gets plain lines.
     */
    private static boolean isTerminal() {
        var console = System.console();
        return console != null && console.isTerminal();
    }
}
