package eim.runtime.data;

import java.awt.image.BufferedImage;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Fashion-MNIST (Zalando; 28x28 grey, 10 classes) from the IDX files of Debian's
 * {@code dataset-fashion-mnist} package, {@value #DEBIAN_DIR}. Images become RGB (grey repeated);
 * the {@link DataLoader}'s {@link Transform} scales them to the chosen size.
 */
public final class FashionMnist implements ImageDataset {
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    public static final List<String> CLASS_NAMES = List.of("t-shirt", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle-boot");
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    public enum Split {
        TRAIN("train"), TEST("t10k");

        final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    private final String source;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;

    private FashionMnist(String source, int rows, int cols, byte[] pixels, byte[] labels) {
        this.source = source;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /** Whether the Debian package's files are present. */
    public static boolean isInstalled() {
        return Files.isRegularFile(imagesFile(Path.of(DEBIAN_DIR), Split.TRAIN));
    }

    /** The Debian package's split, at most {@code limit} images (the first ones; 0 = all). */
    public static FashionMnist load(Split split, int limit) throws IOException {
        if (!isInstalled()) {
            throw new IOException("Fashion-MNIST is not installed: expected " + imagesFile(Path.of(DEBIAN_DIR), split)
                    + "; install it with `apt-get install dataset-fashion-mnist` or use the generated panoramas");
        }
        return load(Path.of(DEBIAN_DIR), split, limit);
    }

    /** Reads {@code <split>-images-idx3-ubyte[.gz]} and {@code <split>-labels-idx1-ubyte[.gz]} from {@code dir}. */
    public static FashionMnist load(Path dir, Split split, int limit) throws IOException {
        Path imagesPath = imagesFile(dir, split);
        Path labelsPath = resolve(dir, split.prefix + "-labels-idx1-ubyte");
        try (DataInputStream images = open(imagesPath); DataInputStream labelStream = open(labelsPath)) {
            int count = header(images, imagesPath, IMAGES_MAGIC);
            int rows = images.readInt(), cols = images.readInt();
            int labelCount = header(labelStream, labelsPath, LABELS_MAGIC);
            if (labelCount != count) {
                throw new IOException(labelsPath + " holds " + labelCount + " labels but " + imagesPath + " holds " + count + " images");
            }
            int n = limit > 0 ? Math.min(limit, count) : count;
            byte[] pixels = readFully(images, (long) n * rows * cols, imagesPath);
            byte[] labels = readFully(labelStream, n, labelsPath);
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= CLASS_NAMES.size()) {
                    throw new IOException(labelsPath + ": label " + labels[i] + " at index " + i + " is not in 0..9");
                }
            }
            return new FashionMnist(dir + "/" + split.prefix, rows, cols, pixels, labels);
        }
    }

    private static Path imagesFile(Path dir, Split split) {
        return resolve(dir, split.prefix + "-images-idx3-ubyte");
    }

    /** The gzipped file when present, else the plain one. */
    private static Path resolve(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        return Files.exists(gz) ? gz : dir.resolve(name);
    }

    private static DataInputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        return new DataInputStream(file.toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in);
    }

    private static int header(DataInputStream in, Path file, int expectedMagic) throws IOException {
        int magic = in.readInt();
        if (magic != expectedMagic) {
            throw new IOException(file + ": IDX magic " + String.format("0x%08x", magic) + ", expected "
                    + String.format("0x%08x", expectedMagic));
        }
        return in.readInt();
    }

    private static byte[] readFully(DataInputStream in, long length, Path file) throws IOException {
        if (length > Integer.MAX_VALUE) {
            throw new IOException(file + ": " + length + " bytes requested, too many to hold in one array");
        }
        byte[] bytes = new byte[(int) length];
        try {
            in.readFully(bytes);
        } catch (EOFException e) {
            throw new IOException(file + " is truncated: expected " + length + " bytes of data", e);
        }
        return bytes;
    }

    @Override
    public List<String> classNames() {
        return CLASS_NAMES;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String describe(int index) {
        return source + "[" + index + "]";
    }

    /** The grey image repeated in R, G and B, at its native 28x28. */
    @Override
    public BufferedImage load(int index) {
        BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_INT_RGB);
        int base = index * rows * cols;
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) {
                int v = pixels[base + y * cols + x] & 0xFF;
                image.setRGB(x, y, v << 16 | v << 8 | v);
            }
        }
        return image;
    }

    @Override
    public String toString() {
        return "Fashion-MNIST " + source + " (" + size() + " images)";
    }
}
