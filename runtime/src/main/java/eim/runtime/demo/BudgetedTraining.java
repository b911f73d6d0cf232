package eim.runtime.demo;

import eim.runtime.Progress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs training steps until a wall-time budget is used. The first steps (the first one includes
 * compiling and allocating) are timed to estimate how many steps fit; the rest run under a progress
 * bar sized to that estimate, so it shows a real ETA. Training stops at the estimate, at the step cap,
 * or when the budget runs out (the machine got slower), whichever comes first.
 */
final class BudgetedTraining {
    private static final Logger log = LoggerFactory.getLogger(BudgetedTraining.class);
    /** Steps timed before the estimate; the first is left out of it. */
    private static final int MEASURED = 3;

    /** One training step; returns a short text for the progress bar (e.g. the loss). */
    @FunctionalInterface
    interface Step {
        String run() throws Exception;
    }

    /** Steps done and the seconds they took. */
    record Outcome(int steps, double seconds) {
        String describe() {
            return String.format(Locale.ROOT, "%d steps in %.0f s (%.2f s/step)", steps, seconds, seconds / Math.max(1, steps));
        }
    }

    private BudgetedTraining() {}

    static Outcome run(String task, double budgetSeconds, int maxSteps, Step step) throws Exception {
        long start = System.nanoTime();
        int done = 0;
        double measureFrom = 0;
        for (; done < Math.min(MEASURED, maxSteps); done++) {
            step.run();
            if (done == 0) {
                measureFrom = seconds(start);
            }
        }
        int total = maxSteps;
        if (done < maxSteps) {
            double perStep = (seconds(start) - measureFrom) / (done - 1);
            double left = budgetSeconds - seconds(start);
            total = (int) Math.min(maxSteps, done + Math.max(0, Math.floor(left / perStep)));
            log.info(String.format(Locale.ROOT, "%s: %.2f s/step after %d steps: %d steps fit in the %.0f s budget",
                    task, perStep, done, total, budgetSeconds));
        }
        try (Progress progress = Progress.start(task, total, "step")) {
            progress.stepTo(done);
            while (done < total && seconds(start) < budgetSeconds) {
                String message = step.run();
                done++;
                progress.step().message(message);
            }
        }
        Outcome outcome = new Outcome(done, seconds(start));
        log.info("{}: {}", task, outcome.describe());
        return outcome;
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
