package eim.runtime.data.panorama;

import java.util.SplittableRandom;

/**
 * Open sea: a straight horizon, a day or sunset sky with streaks of cloud, and waves drawn on a
 * perspective water plane, so they shrink and crowd towards the horizon; white caps on the crests.
 */
final class Sea implements Painter {
    private final int seed;
    private final double offset, horizon, choppiness;
    private final Rgb skyTop, skyHorizon, waterFar, waterNear, foam;

    Sea(int seed, SplittableRandom rng) {
        this.seed = seed;
        this.offset = rng.nextDouble() * 1000;
        this.horizon = 0.38 + 0.14 * rng.nextDouble();
        this.choppiness = 0.6 + 0.4 * rng.nextDouble();
        boolean sunset = rng.nextDouble() < 0.3;
        skyTop = (sunset ? Rgb.hex(0x3a3f7a) : Rgb.hex(0x3f86d6)).jitter(rng, 0.1);
        skyHorizon = (sunset ? Rgb.hex(0xf3a26a) : Rgb.hex(0xd8e6f2)).jitter(rng, 0.06);
        waterFar = skyHorizon.mix(Rgb.hex(0x2f6f9a), 0.55);
        waterNear = Rgb.hex(0x0b3558).jitter(rng, 0.15);
        foam = Rgb.hex(0xeef4f7);
    }

    @Override
    public void column(double u) {}

    @Override
    public Rgb colour(double u, double v) {
        if (v < horizon) {
            Rgb sky = Painter.sky(skyTop, skyHorizon, v, horizon);
            double streak = Noise.fbm(Noise.stream(seed, 1), u * 1.2 + offset, v * 9, 5);
            return sky.mix(Rgb.WHITE.mix(skyHorizon, 0.4), 0.7 * Noise.smoothstep(0.55, 0.85, streak));
        }
        double below = v - horizon;
        double depth = below / (1 - horizon); // 0 at the horizon, 1 at the bottom edge
        // Ground-plane coordinates: distance z ~ 1/below; x = u * z keeps every row stationary in u.
        double z = 0.06 / Math.max(below, 1e-3);
        double swell = Noise.fbm(Noise.stream(seed, 2), (u + offset) * z * 25, z * 40, 3);
        double chop = Noise.fbm(Noise.stream(seed, 3), (u + offset) * z * 70, z * 110, 2);
        double waves = 0.7 * swell + 0.3 * chop;
        double visible = Noise.smoothstep(0.0, 0.35, depth); // far waves blur into a flat sheen
        double crest = (waves - 0.5) * visible * choppiness;
        Rgb water = waterFar.mix(waterNear, Math.sqrt(depth)).scale(1 + 1.6 * crest);
        return water.mix(foam, Noise.smoothstep(0.2, 0.34, crest));
    }
}
