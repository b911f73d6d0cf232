package eim.runtime.tokenizer;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Procedural landscape images (sky gradient, sun, layered ridges, textured ground), roughly
 * translation-invariant along the width like the scenes the column tokenizer is meant for. They
 * stand in for a photo folder in tests and demos on machines without data sets.
 */
public final class SyntheticScenes {
    private SyntheticScenes() {}

    /** Scene {@code index} of the family drawn from {@code seed}, {@code width} x {@code height}. */
    public static BufferedImage scene(long seed, int index, int width, int height) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + index);
        float[] skyTop = colour(r, 0.25f, 0.45f, 0.8f, 0.15f), skyLow = colour(r, 0.75f, 0.8f, 0.9f, 0.15f);
        int ridges = 2 + r.nextInt(2);
        float[][] ridgeColour = new float[ridges][];
        double[][] ridgeWave = new double[ridges][];
        for (int k = 0; k < ridges; k++) {
            float shade = 0.55f - 0.18f * k;
            ridgeColour[k] = colour(r, shade * 0.6f, shade, shade * 0.7f, 0.12f);
            // base height, then (amplitude, frequency, phase) for two sinusoids; frequencies in cycles per image height
            ridgeWave[k] = new double[] {0.35 + 0.15 * k + 0.05 * r.nextDouble(), 0.06 * r.nextDouble() + 0.02,
                    0.5 + 2 * r.nextDouble(), 2 * Math.PI * r.nextDouble(), 0.03 * r.nextDouble(),
                    3 + 5 * r.nextDouble(), 2 * Math.PI * r.nextDouble()};
        }
        double sunX = r.nextDouble() * width, sunY = height * (0.1 + 0.2 * r.nextDouble()), sunR = height * 0.08;
        float[] ground = colour(r, 0.35f, 0.45f, 0.2f, 0.12f);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < width; x++) {
            double u = (double) x / height;
            double[] ridgeTop = new double[ridges];
            for (int k = 0; k < ridges; k++) {
                double[] w = ridgeWave[k];
                ridgeTop[k] = height * (w[0] + w[1] * Math.sin(2 * Math.PI * w[2] * u + w[3])
                        + w[4] * Math.sin(2 * Math.PI * w[5] * u + w[6]));
            }
            for (int y = 0; y < height; y++) {
                double v = (double) y / height;
                float[] c = mix(skyTop, skyLow, (float) v);
                double ds = Math.hypot(x - sunX, y - sunY);
                if (ds < sunR) {
                    c = new float[] {1f, 0.95f, 0.7f};
                }
                for (int k = 0; k < ridges; k++) {
                    if (y >= ridgeTop[k]) {
                        c = ridgeColour[k];
                    }
                }
                if (v > 0.8) {
                    double tex = 0.06 * Math.sin(0.9 * x + 0.3 * y) * Math.sin(0.37 * y);
                    c = new float[] {(float) (ground[0] + tex), (float) (ground[1] + tex), (float) (ground[2] + tex)};
                }
                img.setRGB(x, y, rgb(c));
            }
        }
        return img;
    }

    public static List<BufferedImage> scenes(long seed, int from, int count, int width, int height) {
        List<BufferedImage> out = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            out.add(scene(seed, i, width, height));
        }
        return out;
    }

    private static float[] colour(SplittableRandom r, float red, float green, float blue, float jitter) {
        return new float[] {clamp(red + jitter * (float) r.nextGaussian()), clamp(green + jitter * (float) r.nextGaussian()),
                clamp(blue + jitter * (float) r.nextGaussian())};
    }

    private static float[] mix(float[] a, float[] b, float t) {
        return new float[] {a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t};
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }

    private static int rgb(float[] c) {
        int r = Math.round(clamp(c[0]) * 255), g = Math.round(clamp(c[1]) * 255), b = Math.round(clamp(c[2]) * 255);
        return (r << 16) | (g << 8) | b;
    }
}
