package eim.runtime.data.panorama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.panorama.PanoramaGenerator.Scene;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PanoramaGeneratorTest {
    private static final int H = 24;

    /** The unlabelled sequence (tokenizer train --synthetic, tokenizer scenes) takes every class in turn. */
    @Test
    void mixedCyclesThroughTheClasses() {
        Scene[] scenes = Scene.values();
        for (int i = 0; i < 2 * scenes.length + 1; i++) {
            assertArrayEquals(pixels(PanoramaGenerator.render(scenes[i % scenes.length], i / scenes.length, 40, H, 3)),
                    pixels(PanoramaGenerator.mixed(i, 40, H, 3)), "image " + i);
        }
        java.util.List<BufferedImage> run = PanoramaGenerator.mixed(4, 3, 40, H, 3);
        assertEquals(3, run.size());
        assertArrayEquals(pixels(PanoramaGenerator.mixed(5, 40, H, 3)), pixels(run.get(1)));
        assertFalse(Arrays.equals(pixels(run.get(0)), pixels(run.get(1))), "consecutive images are different classes");
    }

    @Test
    void deterministicPerSeed() {
        for (Scene scene : Scene.values()) {
            int[] a = pixels(PanoramaGenerator.render(scene, 3, 64, H, 11));
            int[] b = pixels(PanoramaGenerator.render(scene, 3, 64, H, 11));
            assertArrayEquals(a, b, scene + " differs between two renders of the same seed");
            assertFalse(Arrays.equals(a, pixels(PanoramaGenerator.render(scene, 3, 64, H, 12))), scene + " ignores the seed");
            assertFalse(Arrays.equals(a, pixels(PanoramaGenerator.render(scene, 4, 64, H, 11))), scene + " ignores the index");
        }
    }

    @Test
    void widerRendersExtendTheSameScene() {
        // Ground truth at any width: the left part of a wide panorama is the narrow one.
        for (Scene scene : Scene.values()) {
            BufferedImage narrow = PanoramaGenerator.render(scene, 0, 40, H, 5);
            BufferedImage wide = PanoramaGenerator.render(scene, 0, 160, H, 5);
            assertArrayEquals(pixels(narrow), wide.getRGB(0, 0, 40, H, null, 0, 40), scene.toString());
        }
        BufferedImage strip = PanoramaGenerator.groundTruthStrip(0, 160, H, 5);
        assertEquals(160 + 4, strip.getWidth());
        assertEquals(Scene.values().length * (H + 2) + 2, strip.getHeight());
        assertEquals(PanoramaGenerator.render(Scene.values()[0], 0, 160, H, 5).getRGB(7, 3), strip.getRGB(2 + 7, 2 + 3));
    }

    @Test
    void classesAreDistinctEnoughToLearn() {
        // Features: mean colour of the top and bottom halves. A nearest-class-mean rule fitted on some
        // images must classify fresh ones almost perfectly.
        int train = 6, test = 6;
        Scene[] scenes = Scene.values();
        double[][] centroids = new double[scenes.length][];
        for (Scene scene : scenes) {
            double[] sum = new double[6];
            for (int i = 0; i < train; i++) {
                double[] f = features(PanoramaGenerator.render(scene, i, 48, H, 1));
                for (int k = 0; k < 6; k++) {
                    sum[k] += f[k] / train;
                }
            }
            centroids[scene.ordinal()] = sum;
        }
        for (int a = 0; a < scenes.length; a++) {
            for (int b = a + 1; b < scenes.length; b++) {
                double d = distance(centroids[a], centroids[b]);
                assertTrue(d > 40, scenes[a] + " and " + scenes[b] + " mean colours only " + d + " apart");
            }
        }
        int correct = 0;
        for (Scene scene : scenes) {
            for (int i = train; i < train + test; i++) {
                double[] f = features(PanoramaGenerator.render(scene, i, 48, H, 1));
                int best = 0;
                for (int c = 1; c < scenes.length; c++) {
                    if (distance(f, centroids[c]) < distance(f, centroids[best])) {
                        best = c;
                    }
                }
                correct += best == scene.ordinal() ? 1 : 0;
            }
        }
        assertTrue(correct >= scenes.length * test - 1, "nearest-mean accuracy " + correct + " / " + scenes.length * test);
    }

    @Test
    void statisticsDoNotDependOnTheHorizontalPosition() {
        // Over many images, the left and right halves have the same mean and spread of each channel,
        // row by row (rows differ on purpose: sky above, ground below). The same measure on images
        // given a mild left-to-right brightness trend (+-0.06) must exceed the tolerance, so the test has power.
        double tolerance = 0.04;
        for (Scene scene : Scene.values()) {
            double stationary = worstHalfDifference(scene, 0);
            double ramped = worstHalfDifference(scene, 0.12);
            System.out.printf("%s: worst left/right difference %.4f (with a trend: %.4f)%n", scene, stationary, ramped);
            assertTrue(stationary < tolerance, scene + ": left/right statistics differ by " + stationary);
            assertTrue(ramped > tolerance, scene + ": a brightness trend went unnoticed (" + ramped + ")");
        }
    }

    /** Largest |left - right| over rows and channels, of the mean and of the standard deviation. */
    private static double worstHalfDifference(Scene scene, double trend) {
        int images = 40, width = 96;
        double[][] sum = new double[2][3 * H], sumSq = new double[2][3 * H];
        for (int i = 0; i < images; i++) {
            BufferedImage image = PanoramaGenerator.render(scene, i, width, H, 21);
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < width; x++) {
                    int rgb = image.getRGB(x, y), half = x < width / 2 ? 0 : 1;
                    double shift = trend * ((double) x / width - 0.5);
                    for (int c = 0; c < 3; c++) {
                        double v = (rgb >> (16 - 8 * c) & 0xFF) / 255.0 + shift;
                        sum[half][3 * y + c] += v;
                        sumSq[half][3 * y + c] += v * v;
                    }
                }
            }
        }
        double n = images * width / 2.0, worst = 0;
        for (int k = 0; k < 3 * H; k++) {
            double ml = sum[0][k] / n, mr = sum[1][k] / n;
            double sl = Math.sqrt(sumSq[0][k] / n - ml * ml), sr = Math.sqrt(sumSq[1][k] / n - mr * mr);
            worst = Math.max(worst, Math.max(Math.abs(ml - mr), Math.abs(sl - sr)));
        }
        return worst;
    }

    @Test
    void writesAnImageFolderDatasetAndReusesIt(@TempDir Path dir) throws IOException {
        ImageFolderDataset dataset = PanoramaGenerator.writeDataset(dir, 3, 40, 16, 9);
        assertEquals(Scene.names(), dataset.classNames());
        assertEquals(15, dataset.size());
        for (int i = 0; i < dataset.size(); i++) {
            BufferedImage image = dataset.load(i);
            assertEquals(40, image.getWidth());
            assertEquals(16, image.getHeight());
            String folder = dataset.file(i).getParent().getFileName().toString();
            assertEquals(Scene.values()[dataset.label(i)].folderName(), folder);
        }
        // The stored PNG is exactly the rendered image.
        assertArrayEquals(pixels(PanoramaGenerator.render(Scene.SEA, 2, 40, 16, 9)),
                pixels(dataset.load(dataset.size() - 1)));

        Path first = dataset.file(0);
        FileTime written = FileTime.fromMillis(1_000_000);
        Files.setLastModifiedTime(first, written);
        PanoramaGenerator.writeDataset(dir, 3, 40, 16, 9);
        assertEquals(written, Files.getLastModifiedTime(first), "same parameters: the dataset is reused");

        ImageFolderDataset smaller = PanoramaGenerator.writeDataset(dir, 2, 40, 16, 10);
        assertEquals(10, smaller.size(), "different parameters: regenerated, no leftovers");
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    /** Mean R, G, B (0..255) of the top half, then of the bottom half. */
    private static double[] features(BufferedImage image) {
        double[] f = new double[6];
        int w = image.getWidth(), h = image.getHeight();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y), half = y < h / 2 ? 0 : 3;
                f[half] += (rgb >> 16 & 0xFF) / (w * h / 2.0);
                f[half + 1] += (rgb >> 8 & 0xFF) / (w * h / 2.0);
                f[half + 2] += (rgb & 0xFF) / (w * h / 2.0);
            }
        }
        return f;
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
