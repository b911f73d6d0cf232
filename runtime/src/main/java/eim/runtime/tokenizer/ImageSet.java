package eim.runtime.tokenizer;

import eim.runtime.data.Batch;
import eim.runtime.data.DataLoader;
import eim.runtime.data.ImageDataset;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.Images;
import eim.runtime.data.Sample;
import eim.runtime.data.Transform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Training or held-out images for the tokenizer: a {@link DataLoader} of square crops at the
 * training resolution (shorter side resized once and cached; random crops and flips for training,
 * centre crops for evaluation). Files that fail to decode are skipped and counted by the loader.
 *
 * <p>Training batches are drawn with replacement from a random source the caller derives from the
 * step number, so that a resumed run draws the same batches.
 */
public final class ImageSet {
    /** What javax.imageio reads. */
    private static final List<String> EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    private final DataLoader loader;
    private final int resolution;

    /** Images held in memory (procedural panoramas, a demo's training set). */
    public ImageSet(List<BufferedImage> images, int resolution) {
        this(new OneClass(images.size() + " images in memory", images.size(), i -> "image " + i,
                i -> Images.toRgb(images.get(i))), resolution);
    }

    /** Image files, decoded on first use; unreadable ones are skipped (see {@link #preload}). */
    public static ImageSet load(List<Path> files, int resolution) {
        List<Path> f = List.copyOf(files);
        return new ImageSet(new OneClass(f.size() + " image files", f.size(), i -> f.get(i).toString(),
                i -> Images.read(f.get(i))), resolution);
    }

    private ImageSet(ImageDataset images, int resolution) {
        if (images.size() == 0) {
            throw new IllegalArgumentException("an image set needs at least one image");
        }
        this.loader = new DataLoader(images, Transform.square(resolution), true);
        this.resolution = resolution;
    }

    /**
     * Image files directly in {@code folder} (or the file itself), sorted by name; for a folder of
     * class sub-folders ({@link ImageFolderDataset#isClassLayout}), every image of every class, class
     * by class.
     */
    public static List<Path> list(Path folder) throws IOException {
        if (Files.isRegularFile(folder)) {
            return List.of(folder);
        }
        if (!Files.isDirectory(folder)) {
            throw new IOException(folder + ": no such image file or folder");
        }
        if (ImageFolderDataset.isClassLayout(folder)) {
            return ImageFolderDataset.open(folder).files();
        }
        try (Stream<Path> s = Files.list(folder)) {
            List<Path> files = s.filter(Files::isRegularFile).filter(ImageSet::isImage).sorted().toList();
            if (files.isEmpty()) {
                throw new IOException(folder + ": no images (expected files ending in " + EXTENSIONS + ")");
            }
            return files;
        }
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    /**
     * Decodes and resizes every image now; returns the names of the unreadable ones, which are
     * skipped from then on. Fails when no image is readable.
     */
    public List<String> preload() {
        loader.preload();
        return loader.skippedNames();
    }

    /**
     * Decodes every image now and fails unless all of them are readable, naming the first unreadable
     * file and why. For held-out images: skipping one would silently change what is evaluated.
     *
     * @param what the set, for the message ("held-out images")
     */
    public void preloadAll(String what) throws IOException {
        try {
            loader.preload();
        } catch (IllegalStateException e) {
            // none readable: reported below, with the first file's reason
        }
        List<String> reasons = loader.skippedReasons();
        if (!reasons.isEmpty()) {
            throw new IOException(what + " must all be readable, but " + reasons.size() + " of "
                    + loader.dataset().size() + " are not: " + reasons.get(0));
        }
    }

    /** Images, unreadable ones found so far excluded. */
    public int size() {
        return loader.dataset().size() - loader.skippedCount();
    }

    public int resolution() {
        return resolution;
    }

    /** {@code batch} random crops (B, 3, res, res), flipped at random, drawn from {@code r}. */
    public float[] randomBatch(int batch, SplittableRandom r) {
        int plane = 3 * resolution * resolution, n = loader.dataset().size();
        float[] out = new float[batch * plane];
        for (int b = 0; b < batch; ) {
            Optional<Sample> s = loader.trainSample(r.nextInt(n), r);
            if (s.isPresent()) {
                System.arraycopy(s.get().chw(), 0, out, b++ * plane, plane);
            } else if (loader.skippedCount() == n) {
                throw new IllegalStateException("no readable image in " + loader.dataset());
            }
        }
        return out;
    }

    /** Centre crops (count, 3, res, res) of up to {@code count} readable images, in a fixed order. */
    public Batch centreCrops(int count) {
        return loader.evalBatch(count, 0);
    }

    /** Images of one class, {@code size} of them, each described and decoded by index. */
    private record OneClass(String what, int size, IntFunction<String> describer, Decoder decoder) implements ImageDataset {
        interface Decoder {
            BufferedImage decode(int index) throws IOException;
        }

        @Override
        public List<String> classNames() {
            return List.of("images");
        }

        @Override
        public int label(int index) {
            return 0;
        }

        @Override
        public String describe(int index) {
            return describer.apply(index);
        }

        @Override
        public BufferedImage load(int index) throws IOException {
            return decoder.decode(index);
        }

        @Override
        public String toString() {
            return what;
        }
    }
}
