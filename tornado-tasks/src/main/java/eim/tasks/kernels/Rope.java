package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Rotary position embedding, in place, as the authors' {@code precompute_freqs_cis} +
 * {@code apply_rotary_emb}: in every head, the pair of elements (2i, 2i+1) is rotated by the angle
 * {@code p · freq_i}, where p = (row % L) + posOff and freq_i = 1 / base^(2i/hd).
 *
 * <p>The frequencies and angles are rounded to float32 the way torch computes them
 * ({@code (arange(0,hd,2).float()/hd)}, {@code base ** that}, {@code 1/that}, then {@code t*freq}
 * and cos/sin of that float32 angle), so long sequences get the same angles as PyTorch.
 *
 * <p>Layout: x is (rows, rowStride); head h of a row occupies columns
 * {@code colOff + h*hd .. colOff + h*hd + hd - 1} (so one call rotates the q part of a fused qkv
 * buffer with colOff 0 and rowStride 3D, another the k part with colOff D).
 * posOff may be an {@code IntParam} (the random training shift, or the sampler's position).
 * base is a float ({@code 10000f}).
 */
public final class Rope {

    /**
     * range {rows, H*hd/2}: rotate by +angle.
     * Args: x, rows, L, rowStride, colOff, H, hd, posOff (int or IntParam), base.
     */
    public static final Kernel FORWARD = Kernel.of("rope_forward", Rope::forward)
            .withFast((from, to, a) -> rotate(from, to, a.f(0), a.i(2), a.i(3), a.i(4), a.i(5), a.i(6), a.i(7), a.x(8), 1));

    /**
     * range {rows, H*hd/2}: the gradient of the in-place rotation, i.e. dx rotated by -angle.
     * Args: dx, rows, L, rowStride, colOff, H, hd, posOff (int or IntParam), base (the forward's values).
     */
    public static final Kernel BACKWARD = Kernel.of("rope_backward", Rope::backward)
            .withFast((from, to, a) -> rotate(from, to, a.f(0), a.i(2), a.i(3), a.i(4), a.i(5), a.i(6), a.i(7), a.x(8), -1));

    private Rope() {}

    /** freq_i = 1 / base^(2i/hd) rounded as torch does in float32, i in [0, hd/2). */
    public static float frequency(int i, int hd, float base) {
        float exponent = (float) (2 * i) / (float) hd;
        float power = (float) Math.pow(base, exponent);
        return 1f / power;
    }

    /** The float32 rotation angle of pair i at position p. */
    public static float angle(int p, int i, int hd, float base) {
        return (float) p * frequency(i, hd, base);
    }

    /** direction +1 rotates by +angle (forward), -1 by -angle (backward). */
    static void rotate(int from, int to, float[] x, int L, int rowStride, int colOff, int H, int hd, int posOff,
                       float base, int direction) {
        int half = hd / 2;
        float[] freq = new float[half];
        for (int i = 0; i < half; i++) {
            freq[i] = frequency(i, hd, base);
        }
        if (to - from > L) { // rows repeat the same L positions: their angles once each (cos and sin dominated)
            float[] cos = new float[L * half];
            float[] sin = new float[L * half];
            boolean[] ready = new boolean[L];
            for (int r = from; r < to; r++) {
                int q = r % L, t = q * half;
                if (!ready[q]) {
                    angles((float) (q + posOff), freq, direction, cos, sin, t);
                    ready[q] = true;
                }
                rotateRow(x, r * rowStride + colOff, H, hd, cos, sin, t);
            }
            return;
        }
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int r = from; r < to; r++) {
            angles((float) (r % L + posOff), freq, direction, cos, sin, 0);
            rotateRow(x, r * rowStride + colOff, H, hd, cos, sin, 0);
        }
    }

    /** cos and direction·sin of p·freq[i] at c[t + i], s[t + i]. */
    private static void angles(float p, float[] freq, int direction, float[] c, float[] s, int t) {
        for (int i = 0; i < freq.length; i++) {
            float angle = p * freq[i];
            c[t + i] = (float) Math.cos(angle);
            s[t + i] = direction * (float) Math.sin(angle);
        }
    }

    /** Every head of the row at x[rowBase]: pair i rotated by (cos, sin)[t + i]. */
    private static void rotateRow(float[] x, int rowBase, int H, int hd, float[] cos, float[] sin, int t) {
        int half = hd / 2;
        for (int h = 0; h < H; h++) {
            int o = rowBase + h * hd;
            for (int i = 0; i < half; i++) {
                float a = x[o + 2 * i];
                float b = x[o + 2 * i + 1];
                x[o + 2 * i] = a * cos[t + i] - b * sin[t + i];
                x[o + 2 * i + 1] = b * cos[t + i] + a * sin[t + i];
            }
        }
    }

    /** Portable body of {@link #FORWARD}: item (row, pair) rotates one pair by +angle. */
    public static void forward(int from, int to, float[] x, int rows, int L, int rowStride, int colOff, int H, int hd,
                               int[] posOff, float base) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int pair = 0; pair < H * (hd / 2); pair++) {
                rotatePair(x, from + k, pair, L, rowStride, colOff, hd, posOff[0], base, 1f);
            }
        }
    }

    /** Portable body of {@link #BACKWARD}: item (row, pair) rotates one pair by -angle. */
    public static void backward(int from, int to, float[] dx, int rows, int L, int rowStride, int colOff, int H, int hd,
                                int[] posOff, float base) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int pair = 0; pair < H * (hd / 2); pair++) {
                rotatePair(dx, from + k, pair, L, rowStride, colOff, hd, posOff[0], base, -1f);
            }
        }
    }

    /** Pair {@code pair} (head pair / (hd/2), index pair % (hd/2)) of row r. */
    static void rotatePair(float[] x, int r, int pair, int L, int rowStride, int colOff, int hd, int posOff, float base,
                           float direction) {
        int half = hd / 2;
        int h = pair / half;
        int i = pair % half;
        float exponent = (float) (2 * i) / (float) hd;
        float freq = 1f / (float) Math.pow(base, exponent);
        float angle = (float) (r % L + posOff) * freq;
        float c = (float) Math.cos(angle);
        float s = direction * (float) Math.sin(angle);
        int o = r * rowStride + colOff + h * hd + 2 * i;
        float a = x[o];
        float b = x[o + 1];
        x[o] = a * c - b * s;
        x[o + 1] = b * c + a * s;
    }
}
