package eim.model.io;

import eim.model.tokenizer.TokenizerConfig;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The token file, the one format between the tokenizer and the generator ({@code tokenize} and
 * {@code sample} write it; {@code train}, {@code decode} and {@code forward} read it): one
 * safetensors file, readable from Python, holding
 * <ul>
 *   <li>{@code tokens} (N, L, C) float32: column-token sequences in the generator's scale, i.e. the
 *       tokenizer's posterior means multiplied by {@code vae_norm};</li>
 *   <li>{@code labels} (N) int32, optional: class indices, {@code >= 0};</li>
 *   <li>{@code views} (N, V, L, C) float32, optional: the posterior means (times vae_norm) of V
 *       augmented views of each item (random crops and their mirror images), from which generator
 *       training draws one per sample and step;</li>
 * </ul>
 * and as metadata {@code kind = eim-tokens}, {@code vae_norm} (the factor the tokens were multiplied
 * by; absent when unknown), {@code classes} (class names, one per line, label order),
 * {@code tokenizer.*} (the config of the tokenizer that made them, when known) and any other
 * key as provenance (source files, checkpoint, seed, ...).
 *
 * <p>Files of earlier versions are read too: {@code tokenize}'s with {@code scaled = false} (raw
 * means: vae_norm 1), and kind-less files holding a {@code tokens} tensor (the old {@code sample}
 * output, the demo's token file, files made in Python).
 *
 * @param tokens     (count, length, channels)
 * @param labels     (count) or null
 * @param views      (count, viewCount, length, channels) or null
 * @param vaeNorm    factor the tokens (and views) were multiplied by, or null when not recorded
 * @param tokenizer  config of the tokenizer that encoded them, or null
 * @param classNames class names in label order (empty when unknown)
 * @param provenance other metadata (where the tokens come from)
 */
public record TokenFile(float[] tokens, int count, int length, int channels, int[] labels, float[] views, int viewCount,
                        Float vaeNorm, TokenizerConfig tokenizer, List<String> classNames, Map<String, String> provenance) {

    public static final String KIND = "eim-tokens";
    public static final String TOKENS = "tokens", LABELS = "labels", VIEWS = "views";
    public static final String META_KIND = "kind", META_VAE_NORM = "vae_norm", META_CLASSES = "classes",
            META_TOKENIZER = "tokenizer.", META_SCALED = "scaled";

    public TokenFile {
        if (count < 0 || length <= 0 || channels <= 0 || tokens.length != (long) count * length * channels) {
            throw new IllegalArgumentException("token file: tokens (" + count + ", " + length + ", " + channels + ") need "
                    + (long) count * length * channels + " values, got " + tokens.length);
        }
        if (labels != null) {
            if (labels.length != count) {
                throw new IllegalArgumentException("token file: " + count + " sequences but " + labels.length + " labels");
            }
            for (int i = 0; i < count; i++) {
                if (labels[i] < 0 || (!classNames.isEmpty() && labels[i] >= classNames.size())) {
                    throw new IllegalArgumentException("token file: label " + labels[i] + " of sequence " + i + " is not a class "
                            + "index" + (classNames.isEmpty() ? " (>= 0)" : " in [0, " + classNames.size() + ")"));
                }
            }
        }
        if ((views == null) != (viewCount == 0) || viewCount < 0
                || (views != null && views.length != (long) count * viewCount * length * channels)) {
            throw new IllegalArgumentException("token file: views (" + count + ", " + viewCount + ", " + length + ", "
                    + channels + ") do not match " + (views == null ? "no array" : views.length + " values"));
        }
        if (vaeNorm != null && !(vaeNorm > 0 && Float.isFinite(vaeNorm))) {
            throw new IllegalArgumentException("token file: vae_norm must be a finite number > 0, got " + vaeNorm);
        }
        classNames = List.copyOf(classNames);
        Map<String, String> p = new LinkedHashMap<>(provenance);
        for (String k : p.keySet()) {
            if (reserved(k)) {
                throw new IllegalArgumentException("token file: provenance key '" + k + "' is reserved");
            }
        }
        provenance = Collections.unmodifiableMap(p);
    }

    /** Tokens (count, length, channels) multiplied by {@code vaeNorm} (null: not known), nothing else yet. */
    public static TokenFile of(float[] tokens, int count, int length, int channels, Float vaeNorm) {
        return new TokenFile(tokens, count, length, channels, null, null, 0, vaeNorm, null, List.of(), Map.of());
    }

    /** With class labels (count) and, when known, the class names in label order (may be empty). */
    public TokenFile withLabels(int[] l, List<String> names) {
        return new TokenFile(tokens, count, length, channels, l, views, viewCount, vaeNorm, tokenizer, names, provenance);
    }

    /** With V augmented views per sequence, (count, v, length, channels) in the tokens' scale. */
    public TokenFile withViews(float[] v, int n) {
        return new TokenFile(tokens, count, length, channels, labels, v, n, vaeNorm, tokenizer, classNames, provenance);
    }

    public TokenFile withTokenizer(TokenizerConfig config) {
        return new TokenFile(tokens, count, length, channels, labels, views, viewCount, vaeNorm, config, classNames, provenance);
    }

    /** With these provenance entries added (source files, checkpoint, seed, ...). */
    public TokenFile withProvenance(Map<String, String> more) {
        Map<String, String> p = new LinkedHashMap<>(provenance);
        p.putAll(more);
        return new TokenFile(tokens, count, length, channels, labels, views, viewCount, vaeNorm, tokenizer, classNames, p);
    }

    public boolean hasLabels() {
        return labels != null;
    }

    public boolean hasViews() {
        return views != null;
    }

    /** Classes the labels index: the names when known, else the largest label + 1 (0 without labels). */
    public int numClasses() {
        if (!classNames.isEmpty()) {
            return classNames.size();
        }
        return labels == null ? 0 : Arrays.stream(labels).max().orElse(-1) + 1;
    }

    /** Sequence {@code i} (length, channels), a copy, in the tokens' scale. */
    public float[] sequence(int i) {
        int n = length * channels;
        return Arrays.copyOfRange(tokens, i * n, (i + 1) * n);
    }

    /** Writes the file atomically; refuses tokens or views holding NaN or infinity (nothing is written). */
    public void write(Path file) throws IOException {
        Tensor.requireFinite(tokens, new long[] {count, length, channels}, file + ": tensor '" + TOKENS + "'");
        if (views != null) {
            Tensor.requireFinite(views, new long[] {count, viewCount, length, channels}, file + ": tensor '" + VIEWS + "'");
        }
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put(TOKENS, Tensor.of(tokens, count, length, channels));
        if (labels != null) {
            t.put(LABELS, Tensor.ofInts(labels, count));
        }
        if (views != null) {
            t.put(VIEWS, Tensor.of(views, count, viewCount, length, channels));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(META_KIND, KIND);
        if (vaeNorm != null) {
            meta.put(META_VAE_NORM, Float.toString(vaeNorm));
        }
        if (!classNames.isEmpty()) {
            meta.put(META_CLASSES, String.join("\n", classNames));
        }
        if (tokenizer != null) {
            tokenizer.toMetadata().forEach((k, v) -> meta.put(META_TOKENIZER + k, v));
        }
        meta.putAll(provenance);
        SafeTensors.write(file, t, meta);
    }

    /** Reads and checks a token file; every problem is an IOException whose message starts with the file. */
    public static TokenFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such token file");
        }
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = c.metadata();
        String kind = meta.get(META_KIND);
        if (kind != null && !KIND.equals(kind)) {
            throw new IOException(file + ": not a token file (metadata kind is '" + kind + "', expected '" + KIND
                    + "'; make one with 'tokenize' or 'sample')");
        }
        Tensor t = c.tensors().get(TOKENS);
        if (t == null) {
            throw new IOException(file + ": not a token file: no tensor 'tokens' (N, L, C) among " + c.tensors().keySet());
        }
        if (t.shape().length != 3 || t.isInt() || t.numel() == 0) {
            throw new IOException(file + ": 'tokens' must be a non-empty float tensor (N, L, C), got "
                    + (t.isInt() ? "an integer tensor " : "shape ") + t.shapeString());
        }
        int n = t.dim(0), l = t.dim(1), ch = t.dim(2);
        requireFinite(t.floats(), t.shape(), file, TOKENS);

        int[] labels = null;
        Tensor lt = c.tensors().get(LABELS);
        if (lt != null) {
            if (!lt.isInt()) {
                throw new IOException(file + ": 'labels' must be int32 class indices, found a floating-point tensor "
                        + lt.shapeString());
            }
            if (lt.shape().length != 1 || lt.dim(0) != n) {
                throw new IOException(file + ": 'labels' must have shape (" + n + "), one per sequence; got " + lt.shapeString());
            }
            labels = lt.ints();
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0) {
                    throw new IOException(file + ": label " + labels[i] + " of sequence " + i
                            + " is negative; labels are class indices >= 0");
                }
            }
        }

        float[] views = null;
        int viewCount = 0;
        Tensor vt = c.tensors().get(VIEWS);
        if (vt != null) {
            if (vt.isInt() || vt.shape().length != 4 || vt.dim(0) != n || vt.dim(1) < 1 || vt.dim(2) != l || vt.dim(3) != ch) {
                throw new IOException(file + ": 'views' must be a float tensor (" + n + ", V, " + l + ", " + ch + "), got "
                        + vt.shapeString());
            }
            views = vt.floats();
            viewCount = vt.dim(1);
            requireFinite(views, vt.shape(), file, VIEWS);
        }

        Float vaeNorm = null;
        String v = meta.get(META_VAE_NORM);
        if ("false".equals(meta.get(META_SCALED))) {
            vaeNorm = 1f; // the first tokenize's --no-scale: raw means
        } else if (v != null) {
            try {
                vaeNorm = Float.parseFloat(v.trim());
            } catch (NumberFormatException e) {
                vaeNorm = Float.NaN;
            }
            if (!(vaeNorm > 0 && Float.isFinite(vaeNorm))) {
                throw new IOException(file + ": metadata vae_norm '" + v + "' is not a finite number > 0");
            }
        }

        List<String> classes = List.of();
        String names = meta.get(META_CLASSES);
        if (names != null && !names.isEmpty()) {
            // this format lists one name per line; the demo's earlier kind-less files joined them with commas
            classes = List.of(names.split(kind == null && !names.contains("\n") ? "," : "\n"));
        }
        if (labels != null && !classes.isEmpty()) {
            for (int i = 0; i < n; i++) {
                if (labels[i] >= classes.size()) {
                    throw new IOException(file + ": label " + labels[i] + " of sequence " + i + " is out of range: the file "
                            + "names " + classes.size() + " classes");
                }
            }
        }

        TokenizerConfig tokenizer = null;
        Map<String, String> cfg = new LinkedHashMap<>();
        Map<String, String> provenance = new LinkedHashMap<>();
        meta.forEach((k, val) -> {
            if (k.startsWith(META_TOKENIZER)) {
                cfg.put(k.substring(META_TOKENIZER.length()), val);
            } else if (!reserved(k)) {
                provenance.put(k, val);
            }
        });
        if (!cfg.isEmpty()) {
            try {
                tokenizer = TokenizerConfig.fromMetadata(cfg, file + " (tokenizer.* metadata)");
            } catch (IllegalArgumentException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
        return new TokenFile(t.floats(), n, l, ch, labels, views, viewCount, vaeNorm, tokenizer, classes, provenance);
    }

    private static boolean reserved(String key) {
        return key.equals(META_KIND) || key.equals(META_VAE_NORM) || key.equals(META_CLASSES) || key.equals(META_SCALED)
                || key.startsWith(META_TOKENIZER);
    }

    /** Tensor.requireFinite's one-line message, as the IOException of a bad file. */
    private static void requireFinite(float[] values, long[] shape, Path file, String tensor) throws IOException {
        try {
            Tensor.requireFinite(values, shape, file + ": tensor '" + tensor + "'");
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage());
        }
    }

    /** The lines of a provenance entry such as {@code sources} (empty when absent). */
    public List<String> provenanceList(String key) {
        String s = provenance.get(key);
        return s == null || s.isEmpty() ? List.of() : new ArrayList<>(List.of(s.split("\n")));
    }

    @Override
    public String toString() {
        return "TokenFile(" + count + " x " + length + " x " + channels + (labels != null ? ", labels" : "")
                + (views != null ? ", " + viewCount + " views" : "") + ", vae_norm " + vaeNorm + ")";
    }
}
