package eim.runtime.data;

import eim.runtime.Progress;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an {@link ImageDataset} into tensors: decodes, resizes and crops with a {@link Transform},
 * and serves training batches over shuffled epochs or deterministic evaluation batches.
 *
 * <p>An image that fails to decode is skipped, never fatal: it is logged once with its name, counted
 * ({@link #skippedCount()}, {@link #skippedNames()}) and left out of every later epoch. Only a dataset
 * with no readable image at all is an error.
 *
 * <p>With {@code cacheResized}, each image is decoded and resized once and kept in memory (INT_RGB at
 * crop scale: 3 * H * W' bytes per image), which makes epochs after the first cheap.
 */
public final class DataLoader {
    private static final Logger log = LoggerFactory.getLogger(DataLoader.class);

    private final ImageDataset dataset;
    private final Transform transform;
    private final BufferedImage[] cache;
    /** index -> reason, for images that could not be decoded. */
    private final Map<Integer, String> unreadable = new ConcurrentSkipListMap<>();

    public DataLoader(ImageDataset dataset, Transform transform, boolean cacheResized) {
        if (dataset.size() == 0) {
            throw new IllegalArgumentException("dataset is empty: " + dataset);
        }
        this.dataset = dataset;
        this.transform = transform;
        this.cache = cacheResized ? new BufferedImage[dataset.size()] : null;
    }

    public ImageDataset dataset() {
        return dataset;
    }

    public Transform transform() {
        return transform;
    }

    /**
     * Decodes every image now (in parallel, with a progress bar), filling the cache when enabled and
     * finding unreadable files before training starts.
     *
     * @return the number of readable images
     */
    public int preload() {
        try (Progress progress = Progress.start("decoding images", dataset.size(), "img")) {
            IntStream.range(0, dataset.size()).parallel().forEach(i -> {
                resized(i);
                progress.step();
            });
        }
        int readable = dataset.size() - unreadable.size();
        if (!unreadable.isEmpty()) {
            log.warn("{} of {} images are unreadable and skipped", unreadable.size(), dataset.size());
        }
        requireSomeReadable();
        return readable;
    }

    /** How many images failed to decode so far. */
    public int skippedCount() {
        return unreadable.size();
    }

    /** Names of the images that failed to decode so far, in index order. */
    public List<String> skippedNames() {
        return unreadable.keySet().stream().map(dataset::describe).toList();
    }

    /** Why each skipped image failed (the decoder's messages, which name the file), in index order. */
    public List<String> skippedReasons() {
        return List.copyOf(unreadable.values());
    }

    /** Random crop (and flip) of image {@code index}; empty when the image is unreadable. */
    public Optional<Sample> trainSample(int index, RandomGenerator rng) {
        return resized(index).map(img -> new Sample(ImageTensor.fromImage(transform.train(img, rng)), dataset.label(index)));
    }

    /** Centre crop of image {@code index}; empty when the image is unreadable. */
    public Optional<Sample> evalSample(int index) {
        return resized(index).map(img -> new Sample(ImageTensor.fromImage(transform.eval(img)), dataset.label(index)));
    }

    /**
     * Centre crops of the first {@code perClass} readable images of every class, class after class
     * (a grid of real images with one row per class).
     */
    public Batch evalBatchPerClass(int perClass) {
        List<Sample> samples = new ArrayList<>();
        int[] taken = new int[dataset.numClasses()];
        for (int i = 0; i < dataset.size(); i++) {
            int label = dataset.label(i);
            if (taken[label] < perClass) {
                Optional<Sample> sample = evalSample(i);
                if (sample.isPresent()) {
                    samples.add(sample.get());
                    taken[label]++;
                }
            }
        }
        samples.sort((a, b) -> Integer.compare(a.label(), b.label()));
        return toBatch(samples);
    }

    /** Centre crops of {@code count} distinct readable images in a seeded random order (fewer if the dataset is smaller). */
    public Batch evalBatch(int count, long seed) {
        List<Sample> samples = new ArrayList<>();
        for (int index : permutation(dataset.size(), new SplittableRandom(seed))) {
            if (samples.size() == count) {
                break;
            }
            evalSample(index).ifPresent(samples::add);
        }
        requireSomeReadable();
        return toBatch(samples);
    }

    /** Endless training batches of exactly {@code batchSize}: shuffled epochs, random crops and flips, all from {@code seed}. */
    public Epochs trainBatches(int batchSize, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        }
        return new Epochs(batchSize, new SplittableRandom(seed));
    }

    /** An endless iterator over shuffled epochs; a batch may span the end of one epoch and the start of the next. */
    public final class Epochs implements Iterator<Batch> {
        private final int batchSize;
        private final SplittableRandom rng;
        private int[] order = new int[0];
        private int position;
        private int epoch = -1;
        private long samplesServed;

        private Epochs(int batchSize, SplittableRandom rng) {
            this.batchSize = batchSize;
            this.rng = rng;
        }

        @Override
        public boolean hasNext() {
            return true;
        }

        @Override
        public Batch next() {
            List<Sample> samples = new ArrayList<>(batchSize);
            while (samples.size() < batchSize) {
                if (position == order.length) {
                    startEpoch();
                }
                Optional<Sample> sample = trainSample(order[position++], rng);
                sample.ifPresent(samples::add); // an unreadable image is skipped; startEpoch fails if none is left
            }
            samplesServed += batchSize;
            return toBatch(samples);
        }

        private void startEpoch() {
            epoch++;
            order = IntStream.of(permutation(dataset.size(), rng)).filter(i -> !unreadable.containsKey(i)).toArray();
            position = 0;
            requireSomeReadable();
        }

        /** The epoch the next sample comes from (0-based). */
        public int epoch() {
            return position == order.length ? epoch + 1 : epoch;
        }

        public long samplesServed() {
            return samplesServed;
        }
    }

    private Optional<BufferedImage> resized(int index) {
        if (cache != null && cache[index] != null) {
            return Optional.of(cache[index]);
        }
        if (unreadable.containsKey(index)) {
            return Optional.empty();
        }
        try {
            BufferedImage image = transform.resize(dataset.load(index));
            if (cache != null) {
                cache[index] = image;
            }
            return Optional.of(image);
        } catch (IOException | RuntimeException e) {
            if (unreadable.putIfAbsent(index, String.valueOf(e.getMessage())) == null) {
                log.warn("skipping unreadable image {} ({} skipped so far): {}", dataset.describe(index), unreadable.size(), e.getMessage());
            }
            return Optional.empty();
        }
    }

    private void requireSomeReadable() {
        if (unreadable.size() == dataset.size()) {
            throw new IllegalStateException("no readable image in " + dataset + ": all " + dataset.size()
                    + " files failed to decode, e.g. " + dataset.describe(unreadable.keySet().iterator().next()) + ": "
                    + unreadable.values().iterator().next());
        }
    }

    private Batch toBatch(List<Sample> samples) {
        int length = ImageTensor.CHANNELS * transform.height() * transform.width();
        float[] images = new float[samples.size() * length];
        int[] labels = new int[samples.size()];
        for (int b = 0; b < samples.size(); b++) {
            System.arraycopy(samples.get(b).chw(), 0, images, b * length, length);
            labels[b] = samples.get(b).label();
        }
        return new Batch(images, labels, transform.height(), transform.width());
    }

    private static int[] permutation(int n, RandomGenerator rng) {
        int[] p = IntStream.range(0, n).toArray();
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
