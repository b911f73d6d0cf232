package eim.runtime.train;

import java.nio.file.Path;

/**
 * The generator's training recipe (the authors' train_generator.py defaults where they apply).
 *
 * @param blr          base learning rate; lr = blr × batch / 256
 * @param warmupSteps  linear warm-up from 0 (as MAR's lr_sched)
 * @param schedule     "constant" or "cosine" after warm-up
 */
public record TrainOptions(int batch, long steps, float blr, long warmupSteps, String schedule, float minLr,
                           float weightDecay, float gradClip, float emaRate, long seed, int logEvery,
                           int checkpointEvery, Path outDir) {
    public TrainOptions {
        if (batch <= 0) throw new IllegalArgumentException("--batch must be > 0");
        if (steps <= 0) throw new IllegalArgumentException("--steps must be > 0");
        if (!(blr > 0)) throw new IllegalArgumentException("--blr must be > 0");
        if (warmupSteps < 0) throw new IllegalArgumentException("--warmup must be >= 0");
        if (!schedule.equals("constant") && !schedule.equals("cosine")) {
            throw new IllegalArgumentException("--schedule must be constant or cosine, got " + schedule);
        }
        if (emaRate < 0 || emaRate >= 1) throw new IllegalArgumentException("--ema must be in [0, 1)");
        if (logEvery <= 0 || checkpointEvery <= 0) throw new IllegalArgumentException("intervals must be > 0");
    }

    /** The same recipe writing to {@code dir}. */
    public TrainOptions withOutDir(Path dir) {
        return new TrainOptions(batch, steps, blr, warmupSteps, schedule, minLr, weightDecay, gradClip, emaRate, seed,
                logEvery, checkpointEvery, dir);
    }

    public float peakLr() {
        return blr * batch / 256f;
    }

    /** Learning rate at step s (0-based). */
    public float lr(long s) {
        float peak = peakLr();
        if (s < warmupSteps) {
            return peak * s / warmupSteps;
        }
        if (schedule.equals("cosine")) {
            double p = (double) (s - warmupSteps) / Math.max(1, steps - warmupSteps);
            return (float) (minLr + (peak - minLr) * 0.5 * (1 + Math.cos(Math.PI * p)));
        }
        return peak;
    }
}
