package eim.runtime.data;

/**
 * A batch in the tokenizer's layout.
 *
 * @param images (B, 3, H, W) in [-1, 1], samples one after another
 * @param labels (B) class indices
 */
public record Batch(float[] images, int[] labels, int height, int width) {
    public Batch {
        if (images.length != labels.length * ImageTensor.CHANNELS * height * width) {
            throw new IllegalArgumentException("batch of " + labels.length + " labels needs " + labels.length + "x3x" + height
                    + "x" + width + " floats, got " + images.length);
        }
    }

    public int size() {
        return labels.length;
    }

    /** Floats per sample: 3 * H * W. */
    public int sampleLength() {
        return ImageTensor.CHANNELS * height * width;
    }
}
