package eim.runtime.eval;

/**
 * The per-position score: the Fréchet distance between the generated tokens at each position and
 * the data's tokens. An equivariant model solves the same task at every position, so its score
 * should be flat along the sequence, also at positions it was never trained on (zero-shot) and far
 * beyond the training length (ultra-long images), where the data has no tokens: there the data's
 * tokens of all positions, pooled, are the reference (the data is translation-stationary along the
 * width, as natural scenes are).
 */
public final class PositionScores {
    private PositionScores() {}

    /**
     * @param generated (n, length, channels) row-major
     * @param data      (m, dataLength, channels) row-major
     * @param pooled    compare every position with the data's tokens of all positions; otherwise
     *                  position l with the data's position l (length must not exceed dataLength)
     * @return the Fréchet distance at each of the {@code length} positions
     */
    public static double[] frechetPerPosition(float[] generated, int n, int length, float[] data, int m, int dataLength,
                                              int channels, boolean pooled) {
        if ((long) n * length * channels != generated.length || (long) m * dataLength * channels != data.length) {
            throw new IllegalArgumentException("token arrays do not match their shapes");
        }
        if (!pooled && length > dataLength) {
            throw new IllegalArgumentException("positions beyond the data's " + dataLength + " need the pooled reference");
        }
        FrechetDistance.Gaussian pool = pooled ? FrechetDistance.fit(rows(data, m, dataLength, channels, -1)) : null;
        double[] out = new double[length];
        for (int l = 0; l < length; l++) {
            FrechetDistance.Gaussian ref = pooled ? pool : FrechetDistance.fit(rows(data, m, dataLength, channels, l));
            out[l] = FrechetDistance.between(FrechetDistance.fit(rows(generated, n, length, channels, l)), ref);
        }
        return out;
    }

    /** The tokens at position {@code l} of every sequence (or of every position when l < 0), as rows. */
    static double[][] rows(float[] tokens, int count, int length, int channels, int l) {
        int per = l < 0 ? length : 1;
        double[][] out = new double[count * per][channels];
        for (int i = 0; i < count; i++) {
            for (int p = 0; p < per; p++) {
                int pos = l < 0 ? p : l;
                int base = (i * length + pos) * channels;
                for (int c = 0; c < channels; c++) {
                    out[i * per + p][c] = tokens[base + c];
                }
            }
        }
        return out;
    }
}
