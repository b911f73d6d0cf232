package eim.runtime.eval;

import eim.runtime.generate.ImageCodec;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * The 2D-grid baseline's tokens (the paper's Table 1 baseline): a square image cut into a grid of
 * square patches, each patch a token, in raster order (row by row), projected on the principal
 * components of the data's patches (PCA, Commons Math), scaled to unit variance on average. It is
 * linear and deterministic, so it needs no training beyond the fit; the column tokenizer is a
 * trained network, so the two codecs differ in quality as well as in layout: compare the baseline
 * with itself (trained on all positions against trained on some), as the paper does.
 */
public final class PatchCodec implements ImageCodec {
    public static final String KIND = "eim-patch-codec";
    private final int size, patch, channels, grid, dim;
    private final float[] mean, basis; // basis[d * channels + c]: component c
    private final float scale;

    private PatchCodec(int size, int patch, int channels, float[] mean, float[] basis, float scale) {
        checkShape(size, patch, channels);
        this.size = size;
        this.patch = patch;
        this.grid = size / patch;
        this.dim = 3 * patch * patch;
        this.channels = channels;
        this.mean = mean;
        this.basis = basis;
        this.scale = scale;
    }

    /**
     * Rejects a layout no codec has: {@code patch} must divide {@code size}, and a patch of
     * 3·patch² values keeps between 1 and all of its components. (Checked before fitting, which
     * reads every image.)
     */
    public static void checkShape(int size, int patch, int channels) {
        if (size <= 0 || patch <= 0 || size % patch != 0) {
            throw new IllegalArgumentException("--patch " + patch + " must divide the image size " + size);
        }
        int dim = 3 * patch * patch;
        if (channels <= 0 || channels > dim) {
            throw new IllegalArgumentException("--channels must be in [1, " + dim + "] for " + patch + "x" + patch
                    + " patches, got " + channels);
        }
    }

    /** Fits the codec to n images (n, 3, size, size) in [-1, 1]: the top {@code channels} principal components. */
    public static PatchCodec fit(float[] images, int n, int size, int patch, int channels) {
        PatchCodec shape = new PatchCodec(size, patch, channels, null, null, 1f); // validates the sizes; patchOf needs them
        int d = shape.dim, per = shape.grid * shape.grid;
        double[] sum = new double[d];
        double[][] cross = new double[d][d];
        double[] v = new double[d];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < per; t++) {
                shape.patchOf(images, i, t, v);
                for (int a = 0; a < d; a++) {
                    sum[a] += v[a];
                    double va = v[a];
                    double[] row = cross[a];
                    for (int b = a; b < d; b++) {
                        row[b] += va * v[b];
                    }
                }
            }
        }
        long m = (long) n * per;
        if (m < 2) {
            throw new IllegalArgumentException("a patch codec needs at least two patches");
        }
        float[] mean = new float[d];
        double[][] cov = new double[d][d];
        for (int a = 0; a < d; a++) {
            mean[a] = (float) (sum[a] / m);
            for (int b = a; b < d; b++) {
                cov[a][b] = cov[b][a] = (cross[a][b] - sum[a] * sum[b] / m) / (m - 1);
            }
        }
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(cov, false));
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[d];
        Arrays.setAll(order, k -> k);
        Arrays.sort(order, (x, y) -> Double.compare(values[y], values[x]));
        RealMatrix vectors = eig.getV();
        float[] basis = new float[d * channels];
        double kept = 0;
        for (int c = 0; c < channels; c++) {
            kept += Math.max(values[order[c]], 0);
            for (int a = 0; a < d; a++) {
                basis[a * channels + c] = (float) vectors.getEntry(a, order[c]);
            }
        }
        double variance = kept / channels;
        if (!(variance > 0)) {
            throw new IllegalArgumentException("the images' patches do not vary: no principal component to keep");
        }
        return new PatchCodec(size, patch, channels, mean, basis, (float) (1 / Math.sqrt(variance)));
    }

    /** Patch t (raster order) of image i as a vector (channel, row, column). */
    private void patchOf(float[] images, int i, int t, double[] out) {
        int gy = t / grid, gx = t % grid, plane = size * size, base = i * 3 * plane;
        int k = 0;
        for (int ch = 0; ch < 3; ch++) {
            for (int py = 0; py < patch; py++) {
                int row = base + ch * plane + (gy * patch + py) * size + gx * patch;
                for (int px = 0; px < patch; px++) {
                    out[k++] = images[row + px];
                }
            }
        }
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int[] imageSize(int tokens) {
        if (tokens != grid * grid) {
            throw new IllegalArgumentException("a " + grid + "x" + grid + " patch grid has " + grid * grid + " tokens, not "
                    + tokens);
        }
        return new int[] {size, size};
    }

    @Override
    public int tokensForWidth(int width) {
        if (width != size) {
            throw new IllegalArgumentException("the patch codec takes " + size + "x" + size + " images, not width " + width);
        }
        return grid * grid;
    }

    @Override
    public float[] encode(float[] images, int n, int width) {
        int per = tokensForWidth(width);
        float[] out = new float[n * per * channels];
        double[] v = new double[dim];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < per; t++) {
                patchOf(images, i, t, v);
                int o = (i * per + t) * channels;
                for (int a = 0; a < dim; a++) {
                    double centred = v[a] - mean[a];
                    for (int c = 0; c < channels; c++) {
                        out[o + c] += (float) (centred * basis[a * channels + c]);
                    }
                }
                for (int c = 0; c < channels; c++) {
                    out[o + c] *= scale;
                }
            }
        }
        return out;
    }

    @Override
    public float[] decode(float[] latents, int n, int tokens) {
        imageSize(tokens);
        int plane = size * size;
        float[] out = new float[n * 3 * plane];
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < tokens; t++) {
                int gy = t / grid, gx = t % grid, o = (i * tokens + t) * channels, k = 0;
                for (int ch = 0; ch < 3; ch++) {
                    for (int py = 0; py < patch; py++) {
                        int row = i * 3 * plane + ch * plane + (gy * patch + py) * size + gx * patch;
                        for (int px = 0; px < patch; px++, k++) {
                            double x = mean[k];
                            for (int c = 0; c < channels; c++) {
                                x += basis[k * channels + c] * latents[o + c] / scale;
                            }
                            out[row + px] = (float) Math.max(-1, Math.min(1, x));
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Writes the codec (safetensors: mean, basis; size, patch and scale as metadata). */
    public void save(Path file) throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("mean", Tensor.of(mean, dim));
        t.put("basis", Tensor.of(basis, dim, channels));
        SafeTensors.write(file, t, Map.of("kind", KIND, "size", "" + size, "patch", "" + patch, "scale", "" + scale));
    }

    /** Reads a codec written by {@link #save}, with a one-line error naming the file when it is not one. */
    public static PatchCodec load(Path file) throws IOException {
        var read = SafeTensors.read(file);
        Map<String, String> meta = read.metadata();
        if (!KIND.equals(meta.get("kind"))) {
            throw new IllegalArgumentException(file + " is not a patch codec (made by eim grid-tokens --codec)");
        }
        try {
            int size = Integer.parseInt(meta.get("size")), patch = Integer.parseInt(meta.get("patch"));
            float scale = Float.parseFloat(meta.get("scale"));
            Tensor mean = read.tensors().get("mean"), basis = read.tensors().get("basis");
            int channels = (int) basis.shape()[1];
            if (mean.shape()[0] != 3 * patch * patch || basis.shape()[0] != 3 * patch * patch || !(scale > 0)) {
                throw new IllegalArgumentException(file + ": patch codec tensors do not match patch " + patch);
            }
            return new PatchCodec(size, patch, channels, mean.floats(), basis.floats(), scale);
        } catch (NumberFormatException | NullPointerException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalArgumentException(file + ": broken patch codec metadata or tensors");
        }
    }
}
