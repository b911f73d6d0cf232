package eim.runtime.tokenizer;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Training or held-out images for the tokenizer, held in memory with their shorter side scaled to
 * the training resolution. Training batches are random square crops (and horizontal flips);
 * evaluation uses centre crops.
 */
public final class ImageSet {
    private final List<BufferedImage> images;
    private final int resolution;

    public ImageSet(List<BufferedImage> images, int resolution) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("an image set needs at least one image");
        }
        this.images = images.stream().map(i -> TokenizerImages.scaleShorterSide(i, resolution)).toList();
        this.resolution = resolution;
    }

    /** Loads {@code files}, naming any unreadable one. */
    public static ImageSet load(List<Path> files, int resolution) throws IOException {
        List<BufferedImage> imgs = new ArrayList<>();
        for (Path f : files) {
            imgs.add(TokenizerImages.read(f));
        }
        return new ImageSet(imgs, resolution);
    }

    public int size() {
        return images.size();
    }

    public int resolution() {
        return resolution;
    }

    /** {@code batch} random crops (B, 3, res, res), drawn from {@code r}. */
    public float[] randomBatch(int batch, SplittableRandom r, boolean flip) {
        int plane = 3 * resolution * resolution;
        float[] out = new float[batch * plane];
        for (int b = 0; b < batch; b++) {
            BufferedImage img = images.get(r.nextInt(images.size()));
            int x0 = r.nextInt(img.getWidth() - resolution + 1), y0 = r.nextInt(img.getHeight() - resolution + 1);
            float[] t = TokenizerImages.toTensor(img, x0, y0, resolution, resolution, flip && r.nextBoolean());
            System.arraycopy(t, 0, out, b * plane, plane);
        }
        return out;
    }

    /** Centre crops of images [from, from + count) as (count, 3, res, res). */
    public float[] centreCrops(int from, int count) {
        int plane = 3 * resolution * resolution;
        float[] out = new float[count * plane];
        for (int b = 0; b < count; b++) {
            BufferedImage img = images.get(from + b);
            float[] t = TokenizerImages.toTensor(img, (img.getWidth() - resolution) / 2,
                    (img.getHeight() - resolution) / 2, resolution, resolution, false);
            System.arraycopy(t, 0, out, b * plane, plane);
        }
        return out;
    }
}
