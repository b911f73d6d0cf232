package eim.runtime.data.panorama;

import eim.tasks.kernels.Rng;

/**
 * Seeded value noise for the procedural scenes, built on the project's counter-based hash, so a value
 * depends only on (seed, coordinates): the same scene rendered wider extends to the right unchanged.
 * All results lie in [0, 1].
 */
final class Noise {
    private Noise() {}

    /** A uniform value for integer lattice point {@code i}. */
    static float lattice(int seed, int i) {
        return Rng.uniform(seed, i);
    }

    /** A uniform value for 2-D lattice point (i, j). */
    static float lattice(int seed, int i, int j) {
        return Rng.uniform(Rng.hash(seed, i), j);
    }

    /** A seed for an independent stream (a layer, an octave). */
    static int stream(int seed, int stream) {
        return Rng.hash(seed ^ 0x5bd1e995, stream);
    }

    /** 1-D value noise: lattice values joined by a quintic fade (C2-smooth). */
    static double value(int seed, double t) {
        double fi = Math.floor(t);
        int i = (int) fi;
        double f = fade(t - fi);
        return lerp(lattice(seed, i), lattice(seed, i + 1), f);
    }

    /** 2-D value noise. */
    static double value(int seed, double x, double y) {
        double fx = Math.floor(x), fy = Math.floor(y);
        int i = (int) fx, j = (int) fy;
        double sx = fade(x - fx), sy = fade(y - fy);
        double top = lerp(lattice(seed, i, j), lattice(seed, i + 1, j), sx);
        double bottom = lerp(lattice(seed, i, j + 1), lattice(seed, i + 1, j + 1), sx);
        return lerp(top, bottom, sy);
    }

    /** Fractal sum of 1-D octaves (frequency x2, amplitude x0.5 each), stretched back to about [0, 1]. */
    static double fbm(int seed, double t, int octaves) {
        double sum = 0, amplitude = 1, norm = 0, frequency = 1;
        for (int o = 0; o < octaves; o++) {
            sum += amplitude * value(stream(seed, o), t * frequency);
            norm += amplitude;
            amplitude *= 0.5;
            frequency *= 2;
        }
        return stretch(sum / norm, octaves);
    }

    /** Fractal sum of 2-D octaves, stretched back to about [0, 1]. */
    static double fbm(int seed, double x, double y, int octaves) {
        double sum = 0, amplitude = 1, norm = 0, frequency = 1;
        for (int o = 0; o < octaves; o++) {
            sum += amplitude * value(stream(seed, o), x * frequency, y * frequency);
            norm += amplitude;
            amplitude *= 0.5;
            frequency *= 2;
        }
        return stretch(sum / norm, octaves);
    }

    /**
     * Ridged 1-D fractal noise: each octave folded as 1 - |2n - 1|, so the sum has sharp crests
     * (mountain peaks, dune ridges) and rounded valleys; each octave is weighted by the previous one so
     * detail concentrates on the ridges.
     */
    static double ridged(int seed, double t, int octaves) {
        double sum = 0, amplitude = 1, norm = 0, frequency = 1, weight = 1;
        for (int o = 0; o < octaves; o++) {
            double n = 1 - Math.abs(2 * value(stream(seed, o), t * frequency) - 1);
            n *= n;
            sum += amplitude * n * weight;
            norm += amplitude;
            weight = Math.min(1, 0.5 + n);
            amplitude *= 0.5;
            frequency *= 2;
        }
        return Math.min(1, sum / norm * 1.4);
    }

    /** Averaging octaves shrinks the spread towards 0.5; widen it back (clamped). */
    private static double stretch(double v, int octaves) {
        double gain = octaves <= 1 ? 1 : 1.6;
        return clamp(0.5 + (v - 0.5) * gain);
    }

    static double fade(double t) {
        return t * t * t * (t * (t * 6 - 15) + 10);
    }

    static double lerp(double a, double b, double t) {
        return a + (b - a) * t;
    }

    static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }

    static double smoothstep(double edge0, double edge1, double x) {
        double t = clamp((x - edge0) / (edge1 - edge0));
        return t * t * (3 - 2 * t);
    }
}
