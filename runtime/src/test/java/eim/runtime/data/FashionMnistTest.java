package eim.runtime.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    /** Writes IDX files: image i has pixel (x, y) = 10 * i + x + y, label i % 10. */
    private void writeIdx(String prefix, int count, int rows, int cols, boolean gzip, int imagesMagic) throws IOException {
        ByteArrayOutputStream images = new ByteArrayOutputStream(), labels = new ByteArrayOutputStream();
        DataOutputStream im = new DataOutputStream(images), lb = new DataOutputStream(labels);
        im.writeInt(imagesMagic);
        im.writeInt(count);
        im.writeInt(rows);
        im.writeInt(cols);
        lb.writeInt(0x801);
        lb.writeInt(count);
        for (int i = 0; i < count; i++) {
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    im.writeByte(10 * i + x + y);
                }
            }
            lb.writeByte(i % 10);
        }
        write(dir.resolve(prefix + "-images-idx3-ubyte" + (gzip ? ".gz" : "")), images.toByteArray(), gzip);
        write(dir.resolve(prefix + "-labels-idx1-ubyte" + (gzip ? ".gz" : "")), labels.toByteArray(), gzip);
    }

    private static void write(Path file, byte[] bytes, boolean gzip) throws IOException {
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file)) : Files.newOutputStream(file)) {
            out.write(bytes);
        }
    }

    @Test
    void readsGzippedAndPlainIdxFiles() throws IOException {
        writeIdx("train", 12, 5, 4, true, 0x803);
        writeIdx("t10k", 3, 5, 4, false, 0x803);
        FashionMnist train = FashionMnist.load(dir, FashionMnist.Split.TRAIN, 0);
        assertEquals(12, train.size());
        assertEquals(10, train.numClasses());
        assertEquals(1, train.label(11));
        BufferedImage image = train.load(2);
        assertEquals(4, image.getWidth());
        assertEquals(5, image.getHeight());
        int grey = 20 + 3 + 1; // image 2, x = 3, y = 1
        assertEquals(grey << 16 | grey << 8 | grey, image.getRGB(3, 1) & 0xFFFFFF);
        assertEquals(3, FashionMnist.load(dir, FashionMnist.Split.TEST, 0).size());
        assertEquals(5, FashionMnist.load(dir, FashionMnist.Split.TRAIN, 5).size());
    }

    @Test
    void goesThroughTheSamePipeline() throws IOException {
        writeIdx("train", 10, 28, 28, true, 0x803);
        DataLoader loader = new DataLoader(FashionMnist.load(dir, FashionMnist.Split.TRAIN, 0), Transform.square(32), true);
        Batch batch = loader.trainBatches(4, 1).next();
        assertEquals(4 * 3 * 32 * 32, batch.images().length);
        // Grey in, grey out: the three channels agree.
        int plane = 32 * 32;
        for (int p = 0; p < plane; p++) {
            assertEquals(batch.images()[p], batch.images()[plane + p], 1e-6f);
            assertEquals(batch.images()[p], batch.images()[2 * plane + p], 1e-6f);
        }
    }

    @Test
    void badFilesAreReportedWithTheirNames() throws IOException {
        writeIdx("train", 3, 4, 4, false, 0x999);
        IOException magic = assertThrows(IOException.class, () -> FashionMnist.load(dir, FashionMnist.Split.TRAIN, 0));
        assertTrue(magic.getMessage().contains("train-images-idx3-ubyte") && magic.getMessage().contains("magic"),
                magic.getMessage());

        writeIdx("train", 3, 4, 4, false, 0x803);
        Path images = dir.resolve("train-images-idx3-ubyte");
        byte[] bytes = Files.readAllBytes(images);
        Files.write(images, java.util.Arrays.copyOf(bytes, bytes.length - 5));
        IOException truncated = assertThrows(IOException.class, () -> FashionMnist.load(dir, FashionMnist.Split.TRAIN, 0));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    }

    @Test
    void debianPackageWhenInstalled() throws IOException {
        Assumptions.assumeTrue(FashionMnist.isInstalled(), "dataset-fashion-mnist is not installed");
        FashionMnist test = FashionMnist.load(FashionMnist.Split.TEST, 0);
        assertEquals(10_000, test.size());
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        for (int count : perClass) {
            assertEquals(1000, count); // the test split is balanced
        }
        BufferedImage first = test.load(0);
        assertEquals(28, first.getWidth());
        // Real images: a dark background with a brighter object in the middle.
        int corner = first.getRGB(0, 0) & 0xFF, centre = first.getRGB(14, 14) & 0xFF;
        assertTrue(corner < 30 && centre > corner, "corner " + corner + " centre " + centre);
    }
}
