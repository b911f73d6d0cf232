package eim.runtime.demo;

import eim.runtime.Progress;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs training steps until a wall-time budget is used. The first steps (the first one includes
 * compiling and allocating, the next ones JIT warm-up) are timed to estimate how many steps fit; the
 * rest run under a progress bar sized to that estimate, so it shows a real ETA. When the estimate is
 * reached with time to spare (the machine got faster), a further bar continues with a new estimate.
 * Training stops when the budget is used or at the step cap.
 */
final class BudgetedTraining {
    private static final Logger log = LoggerFactory.getLogger(BudgetedTraining.class);
    /** Steps timed before the first estimate (the first is left out of it) ... */
    private static final int MEASURED_STEPS = 3;
    /** ... and the share of the budget they run for at least. */
    private static final double MEASURED_SHARE = 0.1;

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
        log.info(String.format(Locale.ROOT, "%s: timing the first steps to fit a %.0f s budget", task, budgetSeconds));
        step.run();
        int done = 1, rateFrom = 1;
        double rateStart = seconds(start);
        while (done < maxSteps && (done < MEASURED_STEPS || seconds(start) < MEASURED_SHARE * budgetSeconds)) {
            step.run();
            done++;
        }
        while (done < maxSteps && seconds(start) < budgetSeconds) {
            double perStep = (seconds(start) - rateStart) / (done - rateFrom);
            int total = (int) Math.min(maxSteps, done + Math.max(1, Math.floor((budgetSeconds - seconds(start)) / perStep)));
            log.info(String.format(Locale.ROOT, "%s: %.2f s/step, %d steps fit in the budget", task, perStep, total));
            int segmentFrom = done;
            double segmentStart = seconds(start);
            try (Progress progress = Progress.start(task, total, "step", done)) {
                while (done < total && seconds(start) < budgetSeconds) {
                    String message = step.run();
                    done++;
                    progress.step().message(message);
                }
            }
            rateFrom = segmentFrom; // the next estimate uses this bar's rate
            rateStart = segmentStart;
            double left = budgetSeconds - seconds(start);
            if (done < total || left < Math.max(perStep, MEASURED_SHARE / 2 * budgetSeconds)) {
                break; // budget used, or too little left to be worth another bar
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
