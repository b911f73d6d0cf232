package eim.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 2D-grid baseline's PCA patch codec: raster layout, exact round trip with every component, unit variance. */
class PatchCodecTest {
    /** n images (n, 3, size, size) in [-0.9, 0.9]: smooth random fields, so a few components explain most variance. */
    static float[] images(int n, int size, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n * 3 * size * size];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < 3; ch++) {
                double a = r.nextDouble(-0.5, 0.5), b = r.nextDouble(-0.3, 0.3), c = r.nextDouble(-0.2, 0.2);
                for (int y = 0; y < size; y++) {
                    for (int x = 0; x < size; x++) {
                        out[((i * 3 + ch) * size + y) * size + x] = (float) (a + b * y / size + c * x / size
                                + 0.05 * r.nextGaussian() * 0.2);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void everyComponentRoundTripsAndTokensHaveUnitVariance(@TempDir Path dir) throws Exception {
        int n = 40, size = 8, patch = 4, dim = 3 * patch * patch;
        float[] x = images(n, size, 1);
        PatchCodec full = PatchCodec.fit(x, n, size, patch, dim);
        float[] z = full.encode(x, n, size);
        assertEquals(n * 4 * dim, z.length, "4 tokens (a 2x2 grid) of " + dim + " channels");
        float[] back = full.decode(z, n, 4);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], back[i], 1e-4, "pixel " + i);
        }
        PatchCodec few = PatchCodec.fit(x, n, size, patch, 6);
        float[] t = few.encode(x, n, size);
        double squares = 0;
        for (float v : t) {
            squares += v * v;
        }
        assertEquals(1.0, squares / t.length, 0.1, "tokens have unit variance on average");
        // raster order: token 1 is the top-right patch; changing only that patch changes only token 1
        float[] y = x.clone();
        y[patch] += 0.5f; // image 0, channel 0, row 0, column 4: patch (0, 1)
        float[] u = few.encode(y, 1, size), v = few.encode(x, 1, size);
        for (int tok = 0; tok < 4; tok++) {
            boolean same = java.util.Arrays.equals(java.util.Arrays.copyOfRange(u, tok * 6, tok * 6 + 6),
                    java.util.Arrays.copyOfRange(v, tok * 6, tok * 6 + 6));
            assertEquals(tok != 1, same, "token " + tok);
        }
        Path f = dir.resolve("codec.safetensors");
        few.save(f);
        assertArrayEquals(t, PatchCodec.load(f).encode(x, n, size), 0f);
        assertThrows(IllegalArgumentException.class, () -> few.imageSize(5));
        assertThrows(IllegalArgumentException.class, () -> few.tokensForWidth(9));
        assertThrows(IllegalArgumentException.class, () -> PatchCodec.fit(x, n, size, 3, 4), "3 does not divide 8");
        Path other = dir.resolve("other.safetensors");
        eim.tasks.io.SafeTensors.write(other, java.util.Map.of("mean", eim.tasks.io.Tensor.of(new float[3], 3)),
                java.util.Map.of("kind", "eim-tokens"));
        var e = assertThrows(IllegalArgumentException.class, () -> PatchCodec.load(other));
        assertTrue(e.getMessage().contains("other.safetensors is not a patch codec"), e.getMessage());
    }
}
