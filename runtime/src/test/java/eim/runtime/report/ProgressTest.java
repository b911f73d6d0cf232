package eim.runtime.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.Progress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ProgressTest {
    @Test
    void plainModeLogsCleanLinesWithCountsAndEta() throws InterruptedException {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (Progress progress = Progress.startPlain("training", 10, "step", lines::add, 50)) {
            for (int i = 0; i < 10; i++) {
                progress.step().message("loss 0." + i);
                Thread.sleep(15);
            }
        }
        assertFalse(lines.isEmpty());
        for (String line : lines) {
            assertFalse(line.contains("\r") || line.contains("\n") || line.contains("\u001B"), "control characters in: " + line);
        }
        String last = lines.getLast();
        assertTrue(last.contains("training") && last.contains("10/10") && last.contains("step"), last);
        assertTrue(last.contains("loss 0.9"), last);
        // Lines show elapsed / remaining time: "(0:00:00 / 0:00:00)".
        assertTrue(lines.stream().anyMatch(l -> l.matches(".*\\(\\d+:\\d\\d:\\d\\d / \\d+:\\d\\d:\\d\\d\\).*")), lines.toString());
        assertTrue(lines.size() < 10, "throttled: " + lines.size() + " lines for 10 steps");
    }

    /**
     * A resumed run: the bar starts at 900 of 1000 and does 12 steps in about 1.2 s. Its rate is
     * about 10 step/s (not 900+ step/s counting the earlier run's steps) and its ETA for the 88 steps
     * left about 9 s (not a fraction of a second).
     */
    @Test
    void rateAndEtaCountOnlyTheStepsSinceTheBarStarted() throws InterruptedException {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (Progress progress = Progress.startPlain("train", 1000, "step", lines::add, 50, 900)) {
            assertEquals(900, progress.current());
            for (int i = 0; i < 12; i++) {
                Thread.sleep(100);
                progress.step();
            }
            Thread.sleep(120); // let the bar render the last state
        }
        String last = lines.getLast();
        assertTrue(last.contains("912/1000"), last);
        Matcher rate = Pattern.compile("([0-9.]+) step/s").matcher(last);
        assertTrue(rate.find(), "no rate in: " + last);
        double perSecond = Double.parseDouble(rate.group(1));
        assertTrue(perSecond >= 4 && perSecond <= 13, "rate of the 12 steps since the start, about 10/s: " + last);
        Matcher eta = Pattern.compile("\\(\\d+:\\d\\d:\\d\\d / (\\d+):(\\d\\d):(\\d\\d)\\)").matcher(last);
        assertTrue(eta.find(), "no elapsed / ETA in: " + last);
        int etaSeconds = Integer.parseInt(eta.group(1)) * 3600 + Integer.parseInt(eta.group(2)) * 60
                + Integer.parseInt(eta.group(3));
        assertTrue(etaSeconds >= 5 && etaSeconds <= 30, "ETA of 88 steps at about 0.1 s/step: " + last);
    }
}
