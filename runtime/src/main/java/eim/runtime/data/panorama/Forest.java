package eim.runtime.data.panorama;

import java.util.SplittableRandom;

/**
 * A conifer forest: soft sky, a hazy line of hills, and three rows of fir trees (one tree per cell
 * of a row, jittered in place and height) with tiered branches, darker and larger towards the front.
 */
final class Forest implements Painter {
    private static final int ROWS = 3;
    private final int seed;
    private final double offset, hills;
    private final Rgb skyTop, skyHorizon, hill, needlesFar, needlesNear, floor;
    private final double[] base = {0.62, 0.78, 1.02}, height = {0.20, 0.32, 0.55}, spacing = {0.055, 0.09, 0.15};

    Forest(int seed, SplittableRandom rng) {
        this.seed = seed;
        this.offset = rng.nextDouble() * 1000;
        this.hills = 0.45 + 0.08 * rng.nextDouble();
        skyTop = Rgb.hex(0x7aa3cf).jitter(rng, 0.1);
        skyHorizon = Rgb.hex(0xdfe8e4).jitter(rng, 0.04);
        hill = Rgb.hex(0x7f9c9a).jitter(rng, 0.08);
        needlesFar = Rgb.hex(0x3d6651).jitter(rng, 0.1);
        needlesNear = Rgb.hex(0x0f2a17).jitter(rng, 0.15);
        floor = Rgb.hex(0x2a2416);
    }

    @Override
    public void column(double u) {}

    @Override
    public Rgb colour(double u, double v) {
        for (int k = ROWS - 1; k >= 0; k--) {
            Rgb tree = tree(k, u, v);
            if (tree != null) {
                return tree;
            }
        }
        double hillTop = hills - 0.12 * Noise.fbm(Noise.stream(seed, 50), u * 0.8 + offset, 4);
        if (v >= hillTop) {
            return hill.mix(needlesFar, 0.3 * Noise.smoothstep(hillTop, hillTop + 0.2, v));
        }
        return Painter.sky(skyTop, skyHorizon, v, hills);
    }

    /** The colour of row k's trees (or ground) at (u, v), or null where the row leaves a gap. */
    private Rgb tree(int k, double u, double v) {
        double depth = k / (ROWS - 1.0);
        Rgb needles = needlesFar.mix(needlesNear, depth);
        if (v >= base[k] - 0.02) {
            return needles.mix(floor, 0.3 * depth);
        }
        int rowSeed = Noise.stream(seed, 10 + k);
        int cell = (int) Math.floor(u / spacing[k] + offset);
        for (int c = cell - 3; c <= cell + 3; c++) {
            double centre = (c - offset + 0.5 + 0.7 * (Noise.lattice(rowSeed, 2 * c) - 0.5)) * spacing[k];
            double h = height[k] * (0.55 + 0.45 * Noise.lattice(rowSeed, 2 * c + 1));
            double top = base[k] - h;
            if (v < top) {
                continue;
            }
            double down = (v - top) / h;                  // 0 at the tip, 1 at the foot
            double tier = (down * 7) % 1.0;               // branch tiers: each widens then steps in
            double halfWidth = h * 0.26 * down * (0.7 + 0.3 * tier);
            double dx = u - centre;
            if (Math.abs(dx) <= halfWidth) {
                double light = dx < 0 ? 1.15 : 0.85;      // lit from the left
                return needles.scale(light * (0.9 + 0.2 * tier));
            }
        }
        return null;
    }
}
