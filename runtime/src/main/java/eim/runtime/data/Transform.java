package eim.runtime.data;

import java.awt.image.BufferedImage;
import java.util.random.RandomGenerator;

/**
 * The pipeline's geometry: every image is first resized (aspect kept) to just cover a
 * {@code height x width} crop (shorter side = height for square or wide-enough images), then cropped.
 * Training crops are random and flipped horizontally with probability 1/2 when {@code flip};
 * evaluation crops are centred and never flipped.
 *
 * @param height crop height (the shorter-side size)
 * @param width  crop width; a multiple of height gives the wide crops used to train on several columns
 * @param flip   random horizontal flips in training
 */
public record Transform(int height, int width, boolean flip) {
    public Transform {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("crop size must be positive, got " + height + "x" + width);
        }
    }

    /** size x size crops with flips. */
    public static Transform square(int size) {
        return new Transform(size, size, true);
    }

    /** size x (widthFactor * size) crops with flips. */
    public static Transform wide(int size, int widthFactor) {
        return new Transform(size, size * widthFactor, true);
    }

    /** The deterministic part, worth caching: the aspect-preserving resize that covers the crop. */
    public BufferedImage resize(BufferedImage image) {
        return Images.resizeToCover(image, height, width);
    }

    /** Random crop and flip of an already {@link #resize resized} image. */
    public BufferedImage train(BufferedImage resized, RandomGenerator rng) {
        BufferedImage crop = Images.randomCrop(resized, width, height, rng);
        return flip && rng.nextBoolean() ? Images.flipHorizontal(crop) : crop;
    }

    /** Centre crop of an already {@link #resize resized} image. */
    public BufferedImage eval(BufferedImage resized) {
        return Images.centerCrop(resized, width, height);
    }
}
