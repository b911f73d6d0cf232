package eim.runtime.report;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.Progress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
}
