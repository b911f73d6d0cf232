package eim.runtime.data.panorama;

import java.util.SplittableRandom;

/**
 * Mountain ranges by day: blue sky with soft clouds, a far range of tall snowy peaks in blue haze, a
 * nearer rocky range with light and shadow flanks, and rolling green hills in front.
 */
final class Mountains implements Painter {
    private final int seed;
    private final double offset, lift, snowLine, cloudCover;
    private final Rgb skyTop, skyHorizon, farRock, rock, snow, hills;
    // Per column: the top of each range.
    private double farTop, midTop, hillTop;

    Mountains(int seed, SplittableRandom rng) {
        this.seed = seed;
        this.offset = rng.nextDouble() * 1000;
        this.lift = 0.08 * (rng.nextDouble() - 0.5);
        this.snowLine = 0.30 + 0.10 * rng.nextDouble() + lift;
        this.cloudCover = 0.25 + 0.35 * rng.nextDouble();
        skyTop = Rgb.hex(0x2f67c4).jitter(rng, 0.12);
        skyHorizon = Rgb.hex(0xc4dcf0).jitter(rng, 0.05);
        farRock = Rgb.hex(0x7d86a8).jitter(rng, 0.08);
        rock = Rgb.hex(0x5d5450).jitter(rng, 0.15);
        snow = Rgb.hex(0xf6f8fc);
        hills = Rgb.hex(0x3d6e2c).jitter(rng, 0.15);
    }

    /** Top of the far range at u; fewer octaves give its broad shape (for shading). */
    private double far(double u, int octaves) {
        return 0.56 + lift - 0.36 * Noise.ridged(Noise.stream(seed, 0), u * 1.1 + offset, octaves);
    }

    private double mid(double u, int octaves) {
        return 0.70 + lift - 0.26 * Noise.ridged(Noise.stream(seed, 1), u * 1.7 + offset, octaves);
    }

    @Override
    public void column(double u) {
        farTop = far(u, 5);
        midTop = mid(u, 5);
        hillTop = 0.86 + lift / 2 - 0.10 * Noise.fbm(Noise.stream(seed, 2), u * 2.5 + offset, 4);
    }

    @Override
    public Rgb colour(double u, double v) {
        if (v >= hillTop) {
            double grass = Noise.fbm(Noise.stream(seed, 12), u * 18 + offset, v * 18, 4);
            return hills.scale(0.75 + 0.5 * grass).scale(1 - 0.35 * Noise.smoothstep(hillTop, 1.0, v));
        }
        if (v >= midTop) {
            return flank(rock, u, v, midTop, this::mid, 11).mix(skyHorizon, 0.12);
        }
        if (v >= farTop) {
            return flank(farRock, u, v, farTop, this::far, 10).mix(skyHorizon, 0.35);
        }
        Rgb sky = Painter.sky(skyTop, skyHorizon, v, 0.6);
        double cloud = Noise.fbm(Noise.stream(seed, 100), u * 2.2 + offset, v * 5, 5);
        return sky.mix(Rgb.WHITE, 0.9 * Noise.smoothstep(1 - cloudCover, 1.1 - cloudCover * 0.5, cloud));
    }

    /** A range's top line: u and octaves -> v. */
    private interface Ridge {
        double top(double u, int octaves);
    }

    /**
     * A rocky flank lit from the left, with gullies, and snow above the snow line. Light or shadow
     * follows the slope of the range's broad shape, looked up further right the lower the point, so
     * the boundaries run diagonally down from the peaks like real faces and spurs.
     */
    private Rgb flank(Rgb stone, double u, double v, double top, Ridge ridge, int stream) {
        double at = u + 0.9 * (v - top), d = 0.005;
        double slope = (ridge.top(at + d, 2) - ridge.top(at - d, 2)) / (2 * d);
        double crestLight = Math.tanh(2.5 * slope) * Math.exp(-(v - top) / 0.25);
        double gullies = Noise.fbm(Noise.stream(seed, stream), u * 11 + offset, v * 7, 4) - 0.5;
        double light = 0.9 + 0.35 * crestLight + 0.3 * gullies;
        Rgb surface = stone.scale(light);
        double snowCover = Noise.smoothstep(0, 0.05, snowLine - v + 0.08 * gullies + 0.06 * crestLight);
        return surface.mix(snow.scale(0.75 + 0.3 * light), snowCover);
    }
}
