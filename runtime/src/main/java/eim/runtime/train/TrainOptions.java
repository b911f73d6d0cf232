package eim.runtime.train;

import java.nio.file.Path;

/**
 * The generator's training recipe (the authors' train_generator.py defaults where they apply).
 *
 * @param blr          base learning rate; lr = blr × batch / 256
 * @param warmupSteps  linear warm-up from 0 (as MAR's lr_sched)
 * @param schedule     "constant" or "cosine" after warm-up
 * @param lossPositions the positions the loss covers, one flag per position (null: all); every
 *                     token is still read as context ({@link #parseLossPositions})
 */
public record TrainOptions(int batch, long steps, float blr, long warmupSteps, String schedule, float minLr,
                           float weightDecay, float gradClip, float emaRate, long seed, int logEvery,
                           int checkpointEvery, Path outDir, boolean[] lossPositions) {
    /** The loss over every position. */
    public TrainOptions(int batch, long steps, float blr, long warmupSteps, String schedule, float minLr,
                        float weightDecay, float gradClip, float emaRate, long seed, int logEvery,
                        int checkpointEvery, Path outDir) {
        this(batch, steps, blr, warmupSteps, schedule, minLr, weightDecay, gradClip, emaRate, seed, logEvery,
                checkpointEvery, outDir, null);
    }

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
                logEvery, checkpointEvery, dir, lossPositions);
    }

    /** The same recipe with the loss over {@code positions} only (null: all). */
    public TrainOptions withLossPositions(boolean[] positions) {
        return new TrainOptions(batch, steps, blr, warmupSteps, schedule, minLr, weightDecay, gradClip, emaRate, seed,
                logEvery, checkpointEvery, outDir, positions);
    }

    /**
     * {@code --loss-positions}: {@code all} (null), {@code even}, {@code odd}, or positions and ranges
     * such as {@code 0-7,12} among the {@code length} positions.
     */
    public static boolean[] parseLossPositions(String spec, int length) {
        String s = spec.strip();
        if (s.equals("all")) {
            return null;
        }
        boolean[] out = new boolean[length];
        if (s.equals("even") || s.equals("odd")) {
            for (int i = s.equals("even") ? 0 : 1; i < length; i += 2) {
                out[i] = true;
            }
        } else {
            for (String part : s.split(",")) {
                String[] ends = part.strip().split("-", -1);
                int lo, hi;
                try {
                    lo = Integer.parseInt(ends[0].strip());
                    hi = ends.length == 2 ? Integer.parseInt(ends[1].strip()) : lo;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--loss-positions: expected all, even, odd or positions such as "
                            + "0-7,12, got '" + spec + "'");
                }
                if (ends.length > 2 || lo < 0 || hi < lo || hi >= length) {
                    throw new IllegalArgumentException("--loss-positions: '" + part.strip() + "' is not a range of positions "
                            + "in [0, " + length + ")");
                }
                for (int i = lo; i <= hi; i++) {
                    out[i] = true;
                }
            }
        }
        boolean any = false;
        for (boolean b : out) {
            any |= b;
        }
        if (!any) {
            throw new IllegalArgumentException("--loss-positions: '" + spec + "' covers no position of " + length);
        }
        return out;
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
