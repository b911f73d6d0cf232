package eim.runtime.demo;

import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.panorama.PanoramaGenerator;
import eim.runtime.data.panorama.PanoramaGenerator.Scene;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's data: procedural panoramas of the five scene classes, written as an image folder
 * ({@code out/data/<class>/NNNNN.png}) and held in memory. Held-out panoramas are the same classes'
 * images with indices after the training ones, so they are new landscapes of the same kinds.
 *
 * @param classNames label order (the folder names)
 * @param train      training panoramas (trainWidth x height), label order, {@code imagesPerClass} each
 * @param labels     class of each training panorama
 * @param heldOut    held-out panoramas, {@code heldOutPerClass} per class in label order
 */
record DemoData(List<String> classNames, List<BufferedImage> train, int[] labels, List<BufferedImage> heldOut) {

    static DemoData create(DemoConfig c) throws IOException {
        Path dir = c.out().resolve("data");
        ImageFolderDataset folder = PanoramaGenerator.writeDataset(dir, c.imagesPerClass(), c.trainWidth(), c.height(), c.seed());
        List<BufferedImage> train = new ArrayList<>(folder.size());
        int[] labels = new int[folder.size()];
        for (int i = 0; i < folder.size(); i++) {
            train.add(folder.load(i));
            labels[i] = folder.label(i);
        }
        List<BufferedImage> heldOut = new ArrayList<>();
        for (Scene scene : Scene.values()) {
            for (int k = 0; k < c.heldOutPerClass(); k++) {
                heldOut.add(PanoramaGenerator.render(scene, heldOutIndex(c, k), c.trainWidth(), c.height(), c.seed()));
            }
        }
        return new DemoData(folder.classNames(), train, labels, heldOut);
    }

    /** Index of held-out panorama k of a class: after every training index. */
    static int heldOutIndex(DemoConfig c, int k) {
        return c.imagesPerClass() + k;
    }

    /** The first {@code n} training panoramas of class {@code label}. */
    List<BufferedImage> firstOfClass(int label, int n) {
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < train.size() && out.size() < n; i++) {
            if (labels[i] == label) {
                out.add(train.get(i));
            }
        }
        return out;
    }
}
