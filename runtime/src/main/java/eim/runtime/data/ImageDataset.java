package eim.runtime.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.List;

/**
 * A labelled collection of images, before any transform: an image folder, Fashion-MNIST, ...
 * Feed it to a {@link DataLoader} for crops, tensors and batches.
 */
public interface ImageDataset {
    /** Class names; label i names class i. */
    List<String> classNames();

    default int numClasses() {
        return classNames().size();
    }

    /** Number of images (including any that will turn out unreadable). */
    int size();

    int label(int index);

    /** Where image {@code index} comes from, for log messages (a file path, "train[17]"). */
    String describe(int index);

    /**
     * Decodes image {@code index} as INT_RGB.
     *
     * @throws IOException naming the source when it is unreadable or corrupt
     */
    BufferedImage load(int index) throws IOException;
}
