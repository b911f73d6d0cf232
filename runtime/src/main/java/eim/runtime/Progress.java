package eim.runtime;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.function.Consumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A progress bar with ETA and speed for every long phase (data generation, training, sampling).
 * On a terminal it is me.tongfei.progressbar's live bar; otherwise (CI logs, redirected output) it
 * renders in ASCII and logs one plain line every {@link #PLAIN_INTERVAL_MS} ms, with no carriage
 * returns or colour codes. Set system property {@code eim.progress} to {@code plain} or
 * {@code terminal} to override the detection.
 *
 * <p>Rate and ETA count only the units done since the bar started: a resumed run that starts at
 * step 900 of 1000 passes {@code 900} as the bar's starting point ({@link #start(String, long, String, long)}),
 * so the 900 earlier steps, done in another run, neither inflate the rate nor shrink the ETA.
 *
 * <pre>{@code
 * try (Progress p = Progress.start("training", steps, "step")) {
 *     for (...) { ...; p.step(); p.message("loss " + loss); }
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Progress.class);
    static final int PLAIN_INTERVAL_MS = 5_000;
    private static final int TERMINAL_INTERVAL_MS = 200;
    private static final int PLAIN_WIDTH = 110;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /** Starts a bar for {@code total} units named {@code unit} (e.g. "img", "step"); shown on a terminal, logged otherwise. */
    public static Progress start(String task, long total, String unit) {
        return start(task, total, unit, 0);
    }

    /**
     * As {@link #start(String, long, String)} for work of which {@code done} units were done before
     * (a resumed run): the bar shows {@code done/total} at once, and its rate and ETA come from
     * the units done after this call only.
     */
    public static Progress start(String task, long total, String unit, long done) {
        return isTerminal() ? startTerminal(task, total, unit, done)
                : startPlain(task, total, unit, line -> log.info(line), PLAIN_INTERVAL_MS, done);
    }

    /** A bar that hands plain lines (no control characters) to {@code lines} every {@code intervalMs}. */
    public static Progress startPlain(String task, long total, String unit, Consumer<String> lines) {
        return startPlain(task, total, unit, lines, PLAIN_INTERVAL_MS);
    }

    /** As {@link #startPlain(String, long, String, Consumer)} with a chosen interval between lines. */
    public static Progress startPlain(String task, long total, String unit, Consumer<String> lines, int intervalMs) {
        return startPlain(task, total, unit, lines, intervalMs, 0);
    }

    /** As {@link #startPlain(String, long, String, Consumer, int)} for work of which {@code done} units were done before. */
    public static Progress startPlain(String task, long total, String unit, Consumer<String> lines, int intervalMs,
                                      long done) {
        ProgressBarBuilder builder = builder(task, total, unit, done)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(intervalMs)
                .setConsumer(new DelegatingProgressBarConsumer(new NoRepeats(lines), PLAIN_WIDTH));
        return new Progress(builder.build());
    }

    private static Progress startTerminal(String task, long total, String unit, long done) {
        return new Progress(builder(task, total, unit, done)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(TERMINAL_INTERVAL_MS)
                .build());
    }

    /**
     * The bar starts at {@code done} with no time spent: the library's rate and ETA are
     * (current - start) / time since start, so units done before do not count.
     */
    private static ProgressBarBuilder builder(String task, long total, String unit, long done) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(total)
                .setUnit(" " + unit, 1)
                .showSpeed()
                .setSpeedUnit(ChronoUnit.SECONDS)
                .startsFrom(Math.clamp(done, 0, Math.max(0, total)), Duration.ZERO);
    }

    /** Passes on plain lines, dropping a line equal to the one before (closing renders the last state again). */
    private static final class NoRepeats implements Consumer<String> {
        private final Consumer<String> lines;
        private String previous;

        NoRepeats(Consumer<String> lines) {
            this.lines = lines;
        }

        @Override
        public synchronized void accept(String rendered) {
            String line = plain(rendered);
            if (!line.isEmpty() && !line.equals(previous)) {
                previous = line;
                lines.accept(line);
            }
        }
    }

    /** Strips carriage returns and ANSI escape sequences so log files stay clean. */
    static String plain(String rendered) {
        return rendered.replaceAll("\u001B\\[[0-9;]*[A-Za-z]", "").replace("\r", "").replace("\n", " ").strip();
    }

    static boolean isTerminal() {
        String forced = System.getProperty("eim.progress", "");
        if (forced.equals("plain")) {
            return false;
        }
        if (forced.equals("terminal")) {
            return true;
        }
        // Since JDK 22 System.console() exists even when redirected; isTerminal() tells the truth.
        java.io.Console console = System.console();
        return console != null && console.isTerminal();
    }

    public Progress step() {
        bar.step();
        return this;
    }

    public Progress stepBy(long n) {
        bar.stepBy(n);
        return this;
    }

    public Progress stepTo(long n) {
        bar.stepTo(n);
        return this;
    }

    /** Text shown after the bar, e.g. the current loss. */
    public Progress message(String text) {
        bar.setExtraMessage(" " + text);
        return this;
    }

    public long current() {
        return bar.getCurrent();
    }

    /** Seconds since the bar started. */
    public double elapsedSeconds() {
        return bar.getTotalElapsed().toMillis() / 1000.0;
    }

    @Override
    public void close() {
        bar.close();
    }
}
