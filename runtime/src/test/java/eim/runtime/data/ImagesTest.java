package eim.runtime.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    /** An image whose every pixel encodes its own position: r = x, g = y, b = 7. */
    static BufferedImage coordinates(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, x << 16 | y << 8 | 7);
            }
        }
        return image;
    }

    @Test
    void tensorRoundTripIsExactAndInRange() {
        BufferedImage image = coordinates(20, 10);
        float[] chw = ImageTensor.fromImage(image);
        assertEquals(3 * 10 * 20, chw.length);
        // CHW layout: red plane first, row-major.
        assertEquals(5 / 127.5f - 1, chw[3 * 20 + 5], 1e-6f); // red of (x=5, y=3) is 5
        assertEquals(3 / 127.5f - 1, chw[200 + 3 * 20 + 5], 1e-6f); // green is y
        assertEquals(7 / 127.5f - 1, chw[400 + 3 * 20 + 5], 1e-6f);
        for (float v : chw) {
            assertTrue(v >= -1 && v <= 1);
        }
        BufferedImage back = ImageTensor.toImage(chw, 10, 20);
        assertArrayEquals(image.getRGB(0, 0, 20, 10, null, 0, 20), back.getRGB(0, 0, 20, 10, null, 0, 20));
        assertEquals(255, ImageTensor.toByte(1f));
        assertEquals(0, ImageTensor.toByte(-3f)); // out of range values clamp
        assertEquals(255, ImageTensor.toByte(2f));
    }

    @Test
    void batchSamplesConvertByIndex() {
        float[] batch = new float[2 * 3 * 4 * 6];
        ImageTensor.fromImage(coordinates(6, 4), batch, 3 * 4 * 6);
        BufferedImage second = ImageTensor.fromBatch(batch, 1, 4, 6);
        assertEquals(5 << 16 | 3 << 8 | 7, second.getRGB(5, 3) & 0xFFFFFF);
        assertEquals(0x808080, ImageTensor.fromBatch(batch, 0, 4, 6).getRGB(0, 0) & 0xFFFFFF); // zeros are mid grey
        List<BufferedImage> both = ImageTensor.toImages(batch, 2, 4, 6);
        assertEquals(2, both.size());
        assertEquals(second.getRGB(5, 3), both.get(1).getRGB(5, 3));
    }

    @Test
    void resizeKeepsAspectOnTheShorterSide() {
        assertSize(Images.resizeShorterSide(coordinates(300, 200), 50), 75, 50);
        assertSize(Images.resizeShorterSide(coordinates(40, 90), 32), 32, 72);
        assertSize(Images.resizeShorterSide(coordinates(10, 20), 40), 40, 80); // upscaling
        // A wide crop needs more than the shorter side: 100x100 must become 128 wide for a 32x128 crop.
        assertSize(Images.resizeToCover(coordinates(100, 100), 32, 128), 128, 128);
        assertSize(Images.resizeToCover(coordinates(400, 100), 32, 128), 128, 32);
    }

    @Test
    void downscalingAveragesInsteadOfAliasing() {
        // A 1-pixel checkerboard reduced 8x must come out uniform grey, not black or white.
        BufferedImage checker = new BufferedImage(256, 256, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                checker.setRGB(x, y, (x + y) % 2 == 0 ? 0xFFFFFF : 0);
            }
        }
        BufferedImage small = Images.resize(checker, 32, 32);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                int red = small.getRGB(x, y) >> 16 & 0xFF;
                assertTrue(Math.abs(red - 128) < 20, "pixel (" + x + "," + y + ") = " + red);
            }
        }
    }

    @Test
    void cropsAndFlip() {
        BufferedImage image = coordinates(30, 20);
        BufferedImage crop = Images.crop(image, 4, 6, 10, 5);
        assertSize(crop, 10, 5);
        assertEquals(4 << 16 | 6 << 8 | 7, crop.getRGB(0, 0) & 0xFFFFFF);
        BufferedImage centre = Images.centerCrop(image, 10, 10);
        assertEquals(10 << 16 | 5 << 8 | 7, centre.getRGB(0, 0) & 0xFFFFFF);
        BufferedImage flipped = Images.flipHorizontal(image);
        assertEquals(29 << 16 | 2 << 8 | 7, flipped.getRGB(0, 2) & 0xFFFFFF);
        assertArrayEquals(image.getRGB(0, 0, 30, 20, null, 0, 30),
                Images.flipHorizontal(flipped).getRGB(0, 0, 30, 20, null, 0, 30));
        SplittableRandom rng = new SplittableRandom(1);
        for (int i = 0; i < 50; i++) {
            BufferedImage random = Images.randomCrop(image, 8, 20, rng);
            assertSize(random, 8, 20);
            int x0 = random.getRGB(0, 0) >> 16 & 0xFF;
            assertTrue(x0 >= 0 && x0 <= 22);
        }
        assertThrows(IllegalArgumentException.class, () -> Images.crop(image, 25, 0, 10, 5));
    }

    @Test
    void transformsProduceTheRequestedSizes() {
        SplittableRandom rng = new SplittableRandom(2);
        BufferedImage photo = coordinates(120, 90);
        Transform square = Transform.square(32);
        assertSize(square.train(square.resize(photo), rng), 32, 32);
        assertSize(square.eval(square.resize(photo)), 32, 32);
        Transform wide = Transform.wide(16, 4);
        assertSize(wide.train(wide.resize(photo), rng), 64, 16);
        assertSize(wide.eval(wide.resize(coordinates(50, 200))), 64, 16);
        // Flips happen about half the time.
        Transform flipping = new Transform(8, 8, true);
        BufferedImage asymmetric = coordinates(8, 8);
        int flipped = 0;
        for (int i = 0; i < 200; i++) {
            if ((flipping.train(asymmetric, rng).getRGB(0, 0) >> 16 & 0xFF) == 7) {
                flipped++;
            }
        }
        assertTrue(flipped > 70 && flipped < 130, "flipped " + flipped + " of 200");
        Transform never = new Transform(8, 8, false);
        for (int i = 0; i < 20; i++) {
            assertEquals(0, never.train(asymmetric, rng).getRGB(0, 0) >> 16 & 0xFF);
        }
    }

    @Test
    void gridAndStackLayOutTilesWithMargins() {
        List<BufferedImage> tiles = List.of(coordinates(10, 6), coordinates(10, 6), coordinates(10, 6), coordinates(8, 4));
        BufferedImage grid = Images.grid(tiles, 3, 2, Color.WHITE);
        assertSize(grid, 2 + 3 * 12, 2 + 2 * 8);
        assertEquals(0xFFFFFF, grid.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(7, grid.getRGB(2, 2) & 0xFFFFFF); // first tile's (0,0) pixel
        BufferedImage stack = Images.stack(List.of(coordinates(40, 5), coordinates(20, 5)), 1, Color.BLACK);
        assertSize(stack, 42, 13);
    }

    @Test
    void pngWritesAtomicallyAndReadsBack() throws IOException {
        Path file = dir.resolve("sub/dir/image.png");
        BufferedImage image = coordinates(17, 9);
        Images.writePng(file, image);
        Images.writePng(file, image); // replacing works too
        BufferedImage back = Images.read(file);
        assertArrayEquals(image.getRGB(0, 0, 17, 9, null, 0, 17), back.getRGB(0, 0, 17, 9, null, 0, 17));
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void readErrorsNameTheFile() throws IOException {
        Path garbage = dir.resolve("garbage.png");
        Files.write(garbage, new byte[] {1, 2, 3, 4, 5});
        IOException e = assertThrows(IOException.class, () -> Images.read(garbage));
        assertTrue(e.getMessage().contains(garbage.toString()), e.getMessage());
        Path absent = dir.resolve("absent.jpg");
        IOException missing = assertThrows(IOException.class, () -> Images.read(absent));
        assertTrue(missing.getMessage().contains(absent.toString()), missing.getMessage());
    }

    private static void assertSize(BufferedImage image, int width, int height) {
        assertEquals(width + "x" + height, image.getWidth() + "x" + image.getHeight());
    }
}
