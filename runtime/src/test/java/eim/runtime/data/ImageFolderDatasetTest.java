package eim.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
    @TempDir
    Path root;

    private static final Color RED = new Color(220, 30, 30), BLUE = new Color(30, 30, 220);

    /** Class "b-red" (4 PNG + 1 JPEG) and "a-blue" (3 PNG), plus a corrupt, a truncated and an unreadable file. */
    private ImageFolderDataset build() throws IOException {
        for (int i = 0; i < 4; i++) {
            Images.writePng(root.resolve("b-red/" + i + ".png"), solid(40 + 10 * i, 30, RED));
        }
        Path jpeg = root.resolve("b-red/photo.JPG");
        ImageIO.write(solid(64, 48, RED), "jpeg", jpeg.toFile());
        for (int i = 0; i < 3; i++) {
            Images.writePng(root.resolve("a-blue/" + i + ".png"), solid(30, 50, BLUE));
        }
        Files.write(root.resolve("a-blue/corrupt.jpg"), "this is not a jpeg".getBytes());
        byte[] png = Files.readAllBytes(root.resolve("a-blue/0.png"));
        Files.write(root.resolve("a-blue/truncated.png"), Arrays.copyOf(png, png.length / 2));
        // Unreadable even for root: a link to nowhere.
        Files.createSymbolicLink(root.resolve("b-red/unreadable.png"), root.resolve("does-not-exist.png"));
        Files.writeString(root.resolve("b-red/notes.txt"), "ignored: not an image extension");
        Files.createDirectories(root.resolve(".hidden-class"));
        return ImageFolderDataset.open(root);
    }

    static BufferedImage solid(int width, int height, Color colour) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    @Test
    void labelsFollowSortedFolderNames() throws IOException {
        ImageFolderDataset dataset = build();
        assertEquals(List.of("a-blue", "b-red"), dataset.classNames());
        assertEquals(5 + 6, dataset.size()); // image extensions only, unreadable ones included until decoded
        for (int i = 0; i < dataset.size(); i++) {
            String folder = dataset.file(i).getParent().getFileName().toString();
            assertEquals(folder.equals("a-blue") ? 0 : 1, dataset.label(i), dataset.describe(i));
        }
    }

    @Test
    void unreadableFilesAreSkippedCountedAndNamed() throws IOException {
        ImageFolderDataset dataset = build();
        DataLoader loader = new DataLoader(dataset, Transform.square(16), true);
        assertEquals(8, loader.preload());
        assertEquals(3, loader.skippedCount());
        assertEquals(Set.of("a-blue/corrupt.jpg", "a-blue/truncated.png", "b-red/unreadable.png"),
                new HashSet<>(loader.skippedNames()));
        // Training never serves them and never fails: 5 epochs' worth of batches, all labels valid.
        DataLoader.Epochs epochs = loader.trainBatches(4, 7);
        int[] perLabel = new int[2];
        for (int b = 0; b < 10; b++) {
            Batch batch = epochs.next();
            assertEquals(4, batch.size());
            assertEquals(4 * 3 * 16 * 16, batch.images().length);
            for (int label : batch.labels()) {
                perLabel[label]++;
            }
        }
        assertEquals(40 * 3 / 8, perLabel[0]); // 3 of 8 readable images are blue, 5 epochs exactly
        assertEquals(40 * 5 / 8, perLabel[1]);
        assertEquals(5, epochs.epoch());
    }

    @Test
    void skippingWorksWithoutPreloading() throws IOException {
        DataLoader loader = new DataLoader(build(), Transform.square(8), false);
        DataLoader.Epochs epochs = loader.trainBatches(3, 1);
        for (int b = 0; b < 6; b++) {
            epochs.next();
        }
        assertEquals(3, loader.skippedCount());
    }

    @Test
    void batchesHoldTheRightPixelsAndAreDeterministic() throws IOException {
        ImageFolderDataset dataset = build();
        DataLoader loader = new DataLoader(dataset, Transform.wide(8, 2), true);
        Batch a = loader.trainBatches(5, 42).next();
        Batch b = new DataLoader(dataset, Transform.wide(8, 2), false).trainBatches(5, 42).next();
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.images(), b.images());
        assertEquals(8, a.height());
        assertEquals(16, a.width());
        for (int s = 0; s < a.size(); s++) {
            // Solid images: the centre pixel's red channel tells the class (JPEG colours are approximate).
            float red = a.images()[s * a.sampleLength() + 4 * 16 + 8];
            assertEquals(a.labels()[s] == 1, red > 0.3f, "sample " + s + " label " + a.labels()[s] + " red " + red);
        }
        Batch other = loader.trainBatches(5, 43).next();
        assertFalse(Arrays.equals(a.images(), other.images()) && Arrays.equals(a.labels(), other.labels()));
    }

    @Test
    void evaluationBatchesAreCentreCropsGroupedByClass() throws IOException {
        DataLoader loader = new DataLoader(build(), Transform.square(12), true);
        Batch perClass = loader.evalBatchPerClass(2);
        assertArrayEquals(new int[] {0, 0, 1, 1}, perClass.labels());
        assertEquals(12, perClass.height());
        Batch random = loader.evalBatch(100, 3);
        assertEquals(8, random.size()); // only the readable ones
        assertArrayEquals(random.images(), loader.evalBatch(100, 3).images());
    }

    @Test
    void aDatasetWithNothingReadableFailsClearly() throws IOException {
        Files.createDirectories(root.resolve("only"));
        Files.write(root.resolve("only/a.png"), new byte[] {0});
        Files.write(root.resolve("only/b.png"), new byte[] {0});
        DataLoader loader = new DataLoader(ImageFolderDataset.open(root), Transform.square(8), false);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> loader.trainBatches(2, 0).next());
        assertTrue(e.getMessage().contains("no readable image"), e.getMessage());
        assertEquals(2, loader.skippedCount());
    }

    @Test
    void missingOrEmptyRootsAreReported() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> ImageFolderDataset.open(root.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope"));
        Files.createDirectories(root.resolve("empty-class"));
        IOException empty = assertThrows(IOException.class, () -> ImageFolderDataset.open(root));
        assertTrue(empty.getMessage().contains("no images under"), empty.getMessage());
    }
}
