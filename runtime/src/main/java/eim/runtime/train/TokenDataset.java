package eim.runtime.train;

import eim.model.io.GeneratorCheckpoint;
import eim.model.io.TokenFile;
import eim.model.tokenizer.PosteriorNoise;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generator's training set in memory, built from {@link TokenFile}s: labelled token sequences,
 * optionally V augmented views of each, and the authors' data recipe that turns them into a batch
 * ({@link #trainingSequence}): a view drawn at random (random crop + horizontal flip, encoded ahead
 * of time by {@code tokenize --crops}), plus a fresh posterior sample, mean + s · eps with s drawn
 * per sequence as in their {@code GaussianDistribution.sample}, times vae_norm (their
 * {@code engine_generator.py}: {@code posterior.sample().mul_(vae_norm)}).
 */
public final class TokenDataset implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(TokenDataset.class);
    /** The authors' posterior std ({@code --std 2.5}), used when the token file does not name its tokenizer's. */
    public static final float AUTHORS_POSTERIOR_STD = 2.5f;

    private final float[] tokens; // (N, L, C)
    private final int[] labels;
    private final int length, channels;
    private final float[] views; // (N, V, L, C) or null
    private final int viewCount;
    private final Float vaeNorm;
    private final float posteriorStd;
    private final List<String> classNames;
    private final int numClasses;

    /** Sequences held in memory as they are: no views, no posterior noise, vae_norm 1. */
    public TokenDataset(float[] tokens, int[] labels, int length, int channels) {
        this(tokens, labels, length, channels, null, 0, 1f, 0f, List.of(), maxLabel(labels) + 1);
    }

    private TokenDataset(float[] tokens, int[] labels, int length, int channels, float[] views, int viewCount, Float vaeNorm,
                         float posteriorStd, List<String> classNames, int numClasses) {
        if (tokens.length != (long) labels.length * length * channels) {
            throw new IllegalArgumentException("token dataset: " + labels.length + " labels need "
                    + (long) labels.length * length * channels + " token values, got " + tokens.length);
        }
        if (views != null && views.length != (long) labels.length * viewCount * length * channels) {
            throw new IllegalArgumentException("token dataset: views do not match (" + labels.length + ", " + viewCount
                    + ", " + length + ", " + channels + ")");
        }
        if (!(posteriorStd >= 0 && Float.isFinite(posteriorStd))) {
            throw new IllegalArgumentException("--posterior-std must be a finite number >= 0, got " + posteriorStd);
        }
        if (posteriorStd > 0 && vaeNorm == null) {
            throw new IllegalArgumentException("posterior noise needs the tokens' vae_norm, which the token file does not "
                    + "record; give --posterior-std 0 to train on the stored tokens as they are");
        }
        this.tokens = tokens;
        this.labels = labels;
        this.length = length;
        this.channels = channels;
        this.views = views;
        this.viewCount = viewCount;
        this.vaeNorm = vaeNorm;
        this.posteriorStd = posteriorStd;
        this.classNames = List.copyOf(classNames);
        this.numClasses = numClasses;
    }

    /**
     * The training set of one token file or of every {@code .safetensors} token file of a folder
     * (same L, C, vae_norm, views and class names). Labels are required, except that
     * {@code classes == 1} trains unlabelled files as one class. {@code classes} (null: from the
     * data) must cover every label. The posterior std defaults to the std of the tokenizer that made
     * the tokens (the authors' recipe: their tokenizer's {@code std}, 2.5), or 2.5 when the file does
     * not say; with no recorded vae_norm posterior noise is off (with a warning).
     */
    public static TokenDataset load(Path path, Integer classes) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(path)) {
            try (Stream<Path> s = Files.list(path)) {
                s.filter(p -> p.toString().endsWith(".safetensors")).sorted().forEach(files::add);
            }
            if (files.isEmpty()) {
                throw new IOException(path + ": no .safetensors token files in this folder");
            }
        } else if (Files.isRegularFile(path)) {
            files.add(path);
        } else {
            throw new IOException(path + ": no such token file or folder");
        }
        List<TokenFile> parts = new ArrayList<>();
        for (Path f : files) {
            parts.add(TokenFile.read(f));
        }
        return of(parts, files, classes);
    }

    public static TokenDataset load(Path path) throws IOException {
        return load(path, null);
    }

    /** See {@link #load(Path, Integer)}; {@code names} name each file in messages. */
    public static TokenDataset of(List<TokenFile> parts, List<Path> names, Integer classes) throws IOException {
        if (classes != null && classes < 1) {
            throw new IllegalArgumentException("--classes must be >= 1, got " + classes);
        }
        TokenFile first = parts.get(0);
        int n = 0, maxLabel = -1;
        for (int k = 0; k < parts.size(); k++) {
            TokenFile f = parts.get(k);
            Path name = names.get(k);
            if (!f.hasLabels() && !Objects.equals(classes, 1)) {
                throw new IOException(name + ": the token file has no labels; tokenize ONE folder whose sub-folders are "
                        + "the classes (label = sub-folder index in name order), or give --classes 1 to train all "
                        + "sequences as one class");
            }
            if (f.length() != first.length() || f.channels() != first.channels()) {
                throw new IOException(name + ": tokens are (N, " + f.length() + ", " + f.channels() + ") but "
                        + names.get(0) + " has (N, " + first.length() + ", " + first.channels() + ")");
            }
            if (!Objects.equals(f.vaeNorm(), first.vaeNorm()) || f.viewCount() != first.viewCount()
                    || !f.classNames().equals(first.classNames())) {
                throw new IOException(name + ": vae_norm, view count or class names differ from " + names.get(0)
                        + "'s; a training set is one tokenization");
            }
            if (f.hasLabels()) {
                for (int l : f.labels()) {
                    maxLabel = Math.max(maxLabel, l);
                }
            }
            n += f.count();
        }
        int seq = first.length() * first.channels(), v = first.viewCount();
        float[] tokens = new float[n * seq];
        float[] views = v > 0 ? new float[n * v * seq] : null;
        int[] labels = new int[n];
        int o = 0;
        for (TokenFile f : parts) {
            System.arraycopy(f.tokens(), 0, tokens, o * seq, f.count() * seq);
            if (views != null) {
                System.arraycopy(f.views(), 0, views, o * v * seq, f.count() * v * seq);
            }
            if (f.hasLabels()) {
                System.arraycopy(f.labels(), 0, labels, o, f.count());
            }
            o += f.count();
        }
        int fromData = Math.max(first.classNames().size(), maxLabel + 1);
        if (classes != null && maxLabel >= classes) {
            throw new IllegalArgumentException("--classes " + classes + " is too few: " + names.get(0) + " has label " + maxLabel);
        }
        int numClasses = classes != null ? classes : fromData;
        float std = first.tokenizer() != null ? first.tokenizer().std() : AUTHORS_POSTERIOR_STD;
        if (first.vaeNorm() == null) {
            log.warn("{} does not record the vae_norm its tokens were scaled with: no posterior noise", names.get(0));
            std = 0;
        }
        return new TokenDataset(tokens, labels, first.length(), first.channels(), views, v, first.vaeNorm(), std,
                first.classNames(), numClasses);
    }

    /**
     * The same data with posterior noise of this std (in the tokenizer's latent units, times vae_norm
     * in the tokens' scale); 0 trains on the stored means (or views) as they are.
     */
    public TokenDataset withPosteriorStd(float std) {
        return new TokenDataset(tokens, labels, length, channels, views, viewCount, vaeNorm, std, classNames, numClasses);
    }

    /**
     * The first {@code positions} tokens of every sequence (and view) only: training on a part of the
     * positions, for the zero-shot experiment (the paper trains on 8 of 16 columns and samples all 16).
     */
    public TokenDataset withLength(int positions) {
        if (positions < 1 || positions > length) {
            throw new IllegalArgumentException("--length must be in [1, " + length + "] (the data's sequence length), got "
                    + positions);
        }
        int n = labels.length, rows = n * Math.max(1, viewCount);
        float[] t = firstPositions(tokens, n, positions);
        float[] v = views == null ? null : firstPositions(views, rows, positions);
        return new TokenDataset(t, labels, positions, channels, v, viewCount, vaeNorm, posteriorStd, classNames, numClasses);
    }

    /** (count, length, C) -> (count, positions, C): the first positions of each sequence. */
    private float[] firstPositions(float[] seqs, int count, int positions) {
        float[] out = new float[count * positions * channels];
        for (int i = 0; i < count; i++) {
            System.arraycopy(seqs, i * length * channels, out, i * positions * channels, positions * channels);
        }
        return out;
    }

    /** Without the stored views: every batch starts from the centre-crop means in {@code tokens}. */
    public TokenDataset withoutViews() {
        return new TokenDataset(tokens, labels, length, channels, null, 0, vaeNorm, posteriorStd, classNames, numClasses);
    }

    public int size() {
        return labels.length;
    }

    public int length() {
        return length;
    }

    public int channels() {
        return channels;
    }

    public int label(int i) {
        return labels[i];
    }

    public int maxLabel() {
        return maxLabel(labels);
    }

    private static int maxLabel(int[] labels) {
        int m = -1;
        for (int l : labels) {
            m = Math.max(m, l);
        }
        return m;
    }

    /** Classes of the model to train: --classes, else the class names' count, else the largest label + 1. */
    public int numClasses() {
        return numClasses;
    }

    public List<String> classNames() {
        return classNames;
    }

    public int viewCount() {
        return viewCount;
    }

    public float posteriorStd() {
        return posteriorStd;
    }

    /** The factor the tokens were multiplied by, or null when not recorded. */
    public Float vaeNorm() {
        return vaeNorm;
    }

    /** Copies the stored sequence i (the centre-crop means · vae_norm) into dst at offset. */
    public void copySequence(int i, float[] dst, int offset) {
        int n = length * channels;
        System.arraycopy(tokens, i * n, dst, offset, n);
    }

    /**
     * Sequence i as one training batch sees it, into dst at offset, drawn from {@code r}: one of its
     * views picked uniformly (the stored sequence when there are none), then, with a posterior std
     * > 0, + vae_norm · s · eps with one s = clamp(N(0,1) · std / 0.8, ±std) for the sequence and eps
     * per element.
     */
    public void trainingSequence(int i, float[] dst, int offset, SplittableRandom r) {
        int n = length * channels;
        if (views != null) {
            System.arraycopy(views, (i * viewCount + r.nextInt(viewCount)) * n, dst, offset, n);
        } else {
            System.arraycopy(tokens, i * n, dst, offset, n);
        }
        if (posteriorStd > 0) {
            PosteriorNoise.add(dst, offset, n, posteriorStd, vaeNorm, r);
        }
    }

    /** What a generator checkpoint records about its training data: vae_norm, class names, the recipe. */
    public Map<String, String> checkpointMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        if (vaeNorm != null) {
            m.put(GeneratorCheckpoint.VAE_NORM, Float.toString(vaeNorm));
        }
        if (!classNames.isEmpty()) {
            m.put(GeneratorCheckpoint.CLASSES, String.join("\n", classNames));
        }
        m.put("train.posterior_std", Float.toString(posteriorStd));
        m.put("train.views", Integer.toString(viewCount));
        return m;
    }

    /** One line for logs. */
    public String describe() {
        return size() + " sequences of " + length + " tokens x " + channels + " channels, " + numClasses + " classes, "
                + (viewCount > 0 ? viewCount + " views each" : "no views") + ", posterior noise std "
                + (posteriorStd > 0 ? posteriorStd + " x vae_norm " + vaeNorm : "0 (off)");
    }
}
