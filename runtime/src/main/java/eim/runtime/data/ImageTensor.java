package eim.runtime.data;

import java.awt.image.BufferedImage;

/**
 * The tokenizer's input convention: an RGB image as a float array in CHW order (channel 0 = red),
 * values in [-1, 1] (pixel byte p maps to p / 127.5 - 1). Batches are (B, 3, H, W), samples laid
 * out one after another.
 */
public final class ImageTensor {
    public static final int CHANNELS = 3;

    private ImageTensor() {}

    /** Pixels of {@code image} as (3, H, W) in [-1, 1]. */
    public static float[] fromImage(BufferedImage image) {
        float[] chw = new float[CHANNELS * image.getHeight() * image.getWidth()];
        fromImage(image, chw, 0);
        return chw;
    }

    /** Writes the (3, H, W) tensor of {@code image} into {@code dst} starting at {@code offset}. */
    public static void fromImage(BufferedImage image, float[] dst, int offset) {
        int h = image.getHeight(), w = image.getWidth(), plane = h * w;
        if (offset < 0 || offset + CHANNELS * plane > dst.length) {
            throw new IllegalArgumentException("destination too small for a 3x" + h + "x" + w + " image at offset " + offset
                    + " (length " + dst.length + ")");
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int rgb = row[x], i = offset + y * w + x;
                dst[i] = toUnit((rgb >>> 16) & 0xFF);
                dst[i + plane] = toUnit((rgb >>> 8) & 0xFF);
                dst[i + 2 * plane] = toUnit(rgb & 0xFF);
            }
        }
    }

    /** An RGB image from a (3, H, W) tensor in [-1, 1]; values outside are clamped. */
    public static BufferedImage toImage(float[] chw, int height, int width) {
        return toImage(chw, 0, height, width);
    }

    /** An RGB image from the (3, H, W) tensor stored in {@code data} at {@code offset} (e.g. one sample of a batch). */
    public static BufferedImage toImage(float[] data, int offset, int height, int width) {
        int plane = height * width;
        if (offset < 0 || offset + CHANNELS * plane > data.length) {
            throw new IllegalArgumentException("tensor of length " + data.length + " has no 3x" + height + "x" + width
                    + " image at offset " + offset);
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = offset + y * width + x;
                row[x] = toByte(data[i]) << 16 | toByte(data[i + plane]) << 8 | toByte(data[i + 2 * plane]);
            }
            image.setRGB(0, y, width, 1, row, 0, width);
        }
        return image;
    }

    /** Sample {@code index} of a (B, 3, H, W) batch as an image. */
    public static BufferedImage fromBatch(float[] batch, int index, int height, int width) {
        return toImage(batch, index * CHANNELS * height * width, height, width);
    }

    /** The first {@code count} samples of a (B, 3, H, W) batch as images (for grids in the report). */
    public static java.util.List<BufferedImage> toImages(float[] batch, int count, int height, int width) {
        java.util.List<BufferedImage> images = new java.util.ArrayList<>(count);
        for (int b = 0; b < count; b++) {
            images.add(fromBatch(batch, b, height, width));
        }
        return images;
    }

    static float toUnit(int value) {
        return value / 127.5f - 1f;
    }

    static int toByte(float value) {
        float v = (value + 1f) * 127.5f;
        return v <= 0f ? 0 : v >= 255f ? 255 : Math.round(v);
    }
}
