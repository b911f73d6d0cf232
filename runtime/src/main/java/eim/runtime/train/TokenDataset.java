package eim.runtime.train;

import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Column-token sequences with class labels, the generator's training data: safetensors files
 * holding {@code tokens} (N, L, C) and {@code labels} (N), as {@code eim tokenize} writes them.
 */
public final class TokenDataset {
    private final float[] tokens; // (N, L, C)
    private final int[] labels;
    private final int length, channels;

    public TokenDataset(float[] tokens, int[] labels, int length, int channels) {
        if (tokens.length != (long) labels.length * length * channels) {
            throw new IllegalArgumentException("token dataset: " + labels.length + " labels need "
                    + (long) labels.length * length * channels + " token values, got " + tokens.length);
        }
        this.tokens = tokens;
        this.labels = labels;
        this.length = length;
        this.channels = channels;
    }

    /** Loads one .safetensors file or every .safetensors file of a folder (same L and C). */
    public static TokenDataset load(Path path) throws IOException {
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
            throw new IOException(path + ": no such file or folder");
        }
        List<float[]> tok = new ArrayList<>();
        List<int[]> lab = new ArrayList<>();
        int l = -1, c = -1;
        for (Path f : files) {
            Map<String, Tensor> t = SafeTensors.read(f).tensors();
            Tensor tt = t.get("tokens"), lt = t.get("labels");
            if (tt == null || lt == null) {
                throw new IOException(f + ": expected tensors 'tokens' (N, L, C) and 'labels' (N), found " + t.keySet());
            }
            if (tt.shape().length != 3 || lt.numel() != tt.dim(0)) {
                throw new IOException(f + ": 'tokens' must be (N, L, C) and 'labels' (N); got " + tt.shapeString()
                        + " and " + lt.shapeString());
            }
            if (l >= 0 && (tt.dim(1) != l || tt.dim(2) != c)) {
                throw new IOException(f + ": tokens are " + tt.shapeString() + " but earlier files have L=" + l + ", C=" + c);
            }
            l = tt.dim(1);
            c = tt.dim(2);
            tok.add(tt.floats());
            int[] li = lt.isInt() ? lt.ints() : toInts(lt.floats());
            lab.add(li);
        }
        int n = lab.stream().mapToInt(a -> a.length).sum();
        float[] all = new float[n * l * c];
        int[] labels = new int[n];
        int o = 0, lo = 0;
        for (int i = 0; i < tok.size(); i++) {
            System.arraycopy(tok.get(i), 0, all, o, tok.get(i).length);
            System.arraycopy(lab.get(i), 0, labels, lo, lab.get(i).length);
            o += tok.get(i).length;
            lo += lab.get(i).length;
        }
        return new TokenDataset(all, labels, l, c);
    }

    private static int[] toInts(float[] f) {
        int[] r = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            r[i] = Math.round(f[i]);
        }
        return r;
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
        int m = -1;
        for (int l : labels) {
            m = Math.max(m, l);
        }
        return m;
    }

    /** Copies sequence i into dst at offset. */
    public void copySequence(int i, float[] dst, int offset) {
        int n = length * channels;
        System.arraycopy(tokens, i * n, dst, offset, n);
    }

    /** Writes tokens (N, L, C) and labels (N) as safetensors, atomically. */
    public static void save(Path file, float[] tokens, int[] labels, int length, int channels,
                            Map<String, String> metadata) throws IOException {
        SafeTensors.write(file, Map.of("tokens", Tensor.of(tokens, labels.length, length, channels),
                "labels", Tensor.ofInts(labels, labels.length)), metadata);
    }
}
