package eim.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Timed calls paced by a coordinator ({@code scripts/bench_paired.py}), which runs this benchmark
 * and PyTorch's side by side and lets one call of one side run at a time, so that each pair of
 * calls sees the same state of a shared machine. Protocol on stdin/stdout, one line each: this side
 * prints {@code ready} once warm, then runs one timed call per {@code go} it reads and answers
 * {@code ms <wall time>}, until {@code stop} or the end of its input. Enabled by
 * -Deim.bench.paired=true; nothing else may write to stdout then. {@link LinearPaired} speaks the
 * same protocol with commands that name what to run.
 */
final class Lockstep {
    private static final boolean ENABLED = Boolean.getBoolean("eim.bench.paired");
    private static BufferedReader in;

    private Lockstep() {}

    static boolean enabled() {
        return ENABLED;
    }

    /** Says ready (the first time) and waits for the coordinator: true to run a call, false to stop. */
    static boolean next() {
        String line = command();
        if (line == null) {
            return false;
        }
        if (!line.equals("go")) {
            throw new IllegalArgumentException("lockstep: expected 'go' or 'stop' on stdin, got '" + line + "'");
        }
        return true;
    }

    /** Says ready (the first time) and returns the coordinator's next line, or null for "stop" or the end of input. */
    static String command() {
        try {
            if (in == null) {
                in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                answer("ready");
            }
            String line = in.readLine();
            return line == null || line.strip().equals("stop") ? null : line.strip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reports one timed call's wall time. */
    static void report(double ms) {
        answer(String.format(Locale.ROOT, "ms %.4f", ms));
    }

    static void answer(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
