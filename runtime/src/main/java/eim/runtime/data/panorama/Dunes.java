package eim.runtime.data.panorama;

import java.util.SplittableRandom;

/**
 * Desert dunes under a pale hot sky: four rows of sharp-crested dunes, far rows hazier. Each dune
 * has a sunlit face and a shadowed slip face; the boundary runs diagonally down from the crest.
 * Wind ripples cover the nearest sand.
 */
final class Dunes implements Painter {
    private static final int LAYERS = 4;
    private final int seed;
    private final double offset, lift, skew;
    private final Rgb skyTop, skyHorizon, sandLit, sandShade;
    private final double[] haze = {0.55, 0.35, 0.15, 0.0};
    private final double[] top = new double[LAYERS];

    Dunes(int seed, SplittableRandom rng) {
        this.seed = seed;
        this.offset = rng.nextDouble() * 1000;
        this.lift = 0.08 * (rng.nextDouble() - 0.5);
        this.skew = 0.6 + 0.8 * rng.nextDouble();
        skyTop = Rgb.hex(0x6f9fd8).jitter(rng, 0.08);
        skyHorizon = Rgb.hex(0xf1e2c6).jitter(rng, 0.04);
        sandLit = Rgb.hex(0xf3b66c).jitter(rng, 0.08);
        sandShade = Rgb.hex(0x9a5228).jitter(rng, 0.1);
    }

    private double crest(int k, double u) {
        double base = 0.54 + 0.12 * k + lift;
        double amplitude = 0.08 + 0.05 * k;
        double frequency = 1.8 - 0.35 * k;
        return base - amplitude * Noise.ridged(Noise.stream(seed, k), u * frequency + offset, 2);
    }

    @Override
    public void column(double u) {
        for (int k = 0; k < LAYERS; k++) {
            top[k] = crest(k, u);
        }
    }

    @Override
    public Rgb colour(double u, double v) {
        for (int k = LAYERS - 1; k >= 0; k--) {
            if (v >= top[k]) {
                return sand(k, u, v, top[k]);
            }
        }
        return Painter.sky(skyTop, skyHorizon, v, 0.5 + lift);
    }

    private Rgb sand(int k, double u, double v, double crestV) {
        // Light from the left: faces that rise to the right are lit. Lower down the face, look at the
        // profile further right, which slants the light/shadow boundary down from each crest.
        double at = u + skew * (v - crestV);
        double d = 0.004;
        double slope = (crest(k, at + d) - crest(k, at - d)) / (2 * d);
        double lit = 0.5 + 0.5 * Math.tanh(2.5 * slope);
        Rgb sand = sandShade.mix(sandLit, lit).scale(1 - 0.15 * Noise.smoothstep(0, 0.25, v - crestV));
        if (k >= LAYERS - 2) {
            double wobble = 5 * Noise.fbm(Noise.stream(seed, 9 + k), u * 4 + offset, v * 4, 3);
            sand = sand.scale(1 + 0.04 * Math.sin((v * 110 + wobble) * Math.PI));
        }
        return sand.mix(skyHorizon, haze[k]);
    }
}
