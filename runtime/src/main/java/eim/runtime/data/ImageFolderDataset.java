package eim.runtime.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ImageNet/Places layout: {@code root/<class>/<image>.{jpg,jpeg,png}}. Class sub-folders sorted
 * by name give the label indices; files inside each are sorted by name. Files with other extensions
 * are ignored; image files that fail to decode are skipped by the {@link DataLoader}.
 */
public final class ImageFolderDataset implements ImageDataset {
    private static final Logger log = LoggerFactory.getLogger(ImageFolderDataset.class);
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    private final Path root;
    private final List<String> classNames;
    private final List<Path> files;
    private final int[] labels;

    private ImageFolderDataset(Path root, List<String> classNames, List<Path> files, int[] labels) {
        this.root = root;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
    }

    /**
     * Lists the class folders and image files under {@code root}.
     *
     * @throws IOException when root is not a folder or holds no class folder with an image file
     */
    public static ImageFolderDataset open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new IOException("image folder " + root + " does not exist or is not a directory");
        }
        List<Path> classDirs;
        try (Stream<Path> entries = Files.list(root)) {
            classDirs = entries.filter(Files::isDirectory).filter(p -> !isHidden(p)).sorted().toList();
        }
        List<String> names = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path dir : classDirs) {
            int label = names.size();
            names.add(dir.getFileName().toString());
            List<Path> images;
            try (Stream<Path> entries = Files.list(dir)) {
                images = entries.filter(p -> !isHidden(p) && hasImageExtension(p)).sorted().toList();
            }
            if (images.isEmpty()) {
                log.warn("class folder {} holds no .jpg/.jpeg/.png file", dir);
            }
            files.addAll(images);
            images.forEach(f -> labels.add(label));
        }
        if (files.isEmpty()) {
            throw new IOException("no images under " + root + ": expected class sub-folders holding .jpg/.jpeg/.png files"
                    + " (root/<class>/<image>.png), found " + classDirs.size() + " sub-folders");
        }
        log.info("image folder {}: {} images in {} classes", root, files.size(), names.size());
        return new ImageFolderDataset(root, List.copyOf(names), List.copyOf(files),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /**
     * Whether {@code folder} is in this layout: no image files of its own, and at least one
     * (non-hidden) sub-folder holding one. A folder with loose images is a plain image folder.
     */
    public static boolean isClassLayout(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        List<Path> entries;
        try (Stream<Path> s = Files.list(folder)) {
            entries = s.filter(p -> !isHidden(p)).toList();
        }
        if (entries.stream().anyMatch(p -> Files.isRegularFile(p) && hasImageExtension(p))) {
            return false;
        }
        for (Path dir : entries) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.anyMatch(p -> !isHidden(p) && Files.isRegularFile(p) && hasImageExtension(p))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Every image file, class by class in label order, names sorted within each class. */
    public List<Path> files() {
        return files;
    }

    private static boolean isHidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean hasImageExtension(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    public Path root() {
        return root;
    }

    public Path file(int index) {
        return files.get(index);
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public String describe(int index) {
        return root.relativize(files.get(index)).toString();
    }

    @Override
    public BufferedImage load(int index) throws IOException {
        return Images.read(files.get(index));
    }

    @Override
    public String toString() {
        return "image folder " + root + " (" + files.size() + " images, " + classNames.size() + " classes)";
    }
}
