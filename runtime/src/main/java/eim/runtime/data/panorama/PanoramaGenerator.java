package eim.runtime.data.panorama;

import eim.runtime.Progress;
import eim.tasks.io.AtomicFiles;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.Images;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Procedural panoramas: the demo's default data. Each scene class is built from layered value noise
 * with per-image constants only, so its statistics do not depend on the horizontal position (the
 * translation symmetry the paper relies on), and any width can be rendered: the same seed rendered
 * wider extends the same landscape to the right, which gives ground truth for ultra-wide sampling.
 */
public final class PanoramaGenerator {
    private static final Logger log = LoggerFactory.getLogger(PanoramaGenerator.class);
    /** Anti-aliasing: samples per pixel along each axis. */
    private static final int SUPERSAMPLE = 2;
    private static final String MANIFEST = "panoramas.properties";

    /** The scene classes, in label order (their folder names sort the same way). */
    public enum Scene {
        DUNES(Dunes::new), FOREST(Forest::new), MOUNTAINS(Mountains::new), NIGHT_CITY(NightCity::new), SEA(Sea::new);

        private final BiFunction<Integer, SplittableRandom, Painter> painter;

        Scene(BiFunction<Integer, SplittableRandom, Painter> painter) {
            this.painter = painter;
        }

        /** The class folder name, e.g. "night-city". */
        public String folderName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        public static List<String> names() {
            return java.util.Arrays.stream(values()).map(Scene::folderName).toList();
        }
    }

    private PanoramaGenerator() {}

    /** Image {@code index} of class {@code scene} in the dataset generated from {@code seed}, at any size. */
    public static BufferedImage render(Scene scene, int index, int width, int height, long seed) {
        return render(scene, width, height, imageSeed(seed, scene, index));
    }

    /** One image of {@code scene} with its own seed. Rendering it wider extends it to the right. */
    public static BufferedImage render(Scene scene, int width, int height, long imageSeed) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("panorama size must be positive, got " + width + "x" + height);
        }
        SplittableRandom parameters = new SplittableRandom(imageSeed);
        Painter painter = scene.painter.apply((int) (imageSeed ^ (imageSeed >>> 32)), parameters);
        // Column-major so the painter computes its 1-D profiles once per sub-pixel column.
        double[] rgb = new double[3 * width * height];
        for (int x = 0; x < width; x++) {
            for (int sx = 0; sx < SUPERSAMPLE; sx++) {
                double u = (x + (sx + 0.5) / SUPERSAMPLE) / height;
                painter.column(u);
                for (int y = 0; y < height; y++) {
                    for (int sy = 0; sy < SUPERSAMPLE; sy++) {
                        Rgb c = painter.colour(u, (y + (sy + 0.5) / SUPERSAMPLE) / height);
                        int i = 3 * (y * width + x);
                        rgb[i] += c.r();
                        rgb[i + 1] += c.g();
                        rgb[i + 2] += c.b();
                    }
                }
            }
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        double samples = SUPERSAMPLE * SUPERSAMPLE;
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = 3 * (y * width + x);
                row[x] = toByte(rgb[i] / samples) << 16 | toByte(rgb[i + 1] / samples) << 8 | toByte(rgb[i + 2] / samples);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }

    /**
     * Image {@code index} of the sequence that cycles through the classes (dunes, forest, mountains,
     * night city, sea, dunes, ...): image {@code index / classes} of class {@code index % classes}.
     * Unlabelled stand-in data for tools and tests that want varied scenes (tokenizer training).
     */
    public static BufferedImage mixed(int index, int width, int height, long seed) {
        Scene[] scenes = Scene.values();
        return render(scenes[index % scenes.length], index / scenes.length, width, height, seed);
    }

    /** Images {@code from .. from + count - 1} of {@link #mixed(int, int, int, long)}'s sequence. */
    public static List<BufferedImage> mixed(int from, int count, int width, int height, long seed) {
        return IntStream.range(from, from + count).mapToObj(i -> mixed(i, width, height, seed)).toList();
    }

    /**
     * Ground truth for ultra-wide sampling: image {@code index} of every class rendered
     * {@code width} wide (e.g. 8x the training width), stacked top to bottom in label order.
     */
    public static BufferedImage groundTruthStrip(int index, int width, int height, long seed) {
        List<BufferedImage> rows = java.util.Arrays.stream(Scene.values()).map(s -> render(s, index, width, height, seed)).toList();
        return Images.stack(rows, 2, java.awt.Color.WHITE);
    }

    /** Per-image seed: a mix of the dataset seed, the class and the image index. */
    public static long imageSeed(long seed, Scene scene, int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + scene.ordinal() * 0x632BE59BD9B4E019L + index).nextLong();
    }

    /**
     * Writes {@code perClass} PNGs of {@code width x height} per scene class under
     * {@code dir/<class>/<index>.png} and opens the result as an image folder. A folder already holding
     * the same dataset (same parameters in its manifest) is reused without rendering.
     */
    public static ImageFolderDataset writeDataset(Path dir, int perClass, int width, int height, long seed) throws IOException {
        String manifest = "perClass=" + perClass + "\nwidth=" + width + "\nheight=" + height + "\nseed=" + seed
                + "\nclasses=" + String.join(",", Scene.names()) + "\n";
        Path manifestFile = dir.resolve(MANIFEST);
        if (Files.isRegularFile(manifestFile) && sameManifest(Files.readString(manifestFile), manifest)) {
            log.info("reusing generated panoramas in {}", dir);
            return ImageFolderDataset.open(dir);
        }
        Files.deleteIfExists(manifestFile); // only a complete dataset has a manifest
        Scene[] scenes = Scene.values();
        for (Scene scene : scenes) {
            deletePngs(dir.resolve(scene.folderName())); // leftovers of a different earlier dataset
        }
        int total = scenes.length * perClass;
        try (Progress progress = Progress.start("generating panoramas", total, "img")) {
            IntStream.range(0, total).parallel().forEach(i -> {
                Scene scene = scenes[i / perClass];
                int index = i % perClass;
                Path file = dir.resolve(scene.folderName()).resolve(String.format("%05d.png", index));
                try {
                    Images.writePng(file, render(scene, index, width, height, seed));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("cannot write panorama " + file, e);
                }
                progress.step();
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        AtomicFiles.writeString(manifestFile, manifest);
        log.info("wrote {} panoramas ({} classes x {}, {}x{}) to {}", total, scenes.length, perClass, width, height, dir);
        return ImageFolderDataset.open(dir);
    }

    private static void deletePngs(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (var files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".png")).toList()) {
                Files.delete(f);
            }
        }
    }

    private static boolean sameManifest(String existing, String expected) throws IOException {
        Properties a = new Properties(), b = new Properties();
        a.load(new StringReader(existing));
        b.load(new StringReader(expected));
        return a.equals(b);
    }

    private static int toByte(double v) {
        double s = v * 255;
        return s <= 0 ? 0 : s >= 255 ? 255 : (int) Math.round(s);
    }
}
