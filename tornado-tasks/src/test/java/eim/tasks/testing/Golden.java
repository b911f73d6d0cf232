package eim.tasks.testing;

import static org.junit.jupiter.api.Assertions.fail;

import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Golden files written by the scripts under {@code scripts/golden/} with PyTorch and committed
 * as test resources {@code /golden/<name>.safetensors}. CI only reads them.
 *
 * <p>{@link #assertMatches} is the comparison golden tests use: each tensor is judged at its own
 * scale (error / max |expected| of that tensor), never against an absolute floor, so a tensor of
 * small values (a LayerNorm bias gradient of 1e-5) is held to the same relative accuracy as one of
 * large values, and a missing contribution to it fails.
 */
public final class Golden {
    private final SafeTensors.Contents contents;
    private final String name;

    private Golden(String name, SafeTensors.Contents c) {
        this.name = name;
        this.contents = c;
    }

    public static Golden load(String name) {
        URL url = Golden.class.getResource("/golden/" + name + ".safetensors");
        if (url == null) {
            throw new IllegalStateException("golden file /golden/" + name + ".safetensors is missing: "
                    + "regenerate it with scripts/golden.sh");
        }
        try {
            Path file = TestResources.file("/golden/" + name + ".safetensors");
            return new Golden(name, SafeTensors.read(file));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read golden " + name + ": " + e.getMessage(), e);
        }
    }

    public Tensor tensor(String key) {
        Tensor t = contents.tensors().get(key);
        if (t == null) {
            throw new IllegalStateException("golden " + name + " has no tensor '" + key + "'; it has "
                    + contents.tensors().keySet());
        }
        return t;
    }

    public float[] f(String key) {
        return tensor(key).floats();
    }

    public int[] ints(String key) {
        return tensor(key).ints();
    }

    /** A scalar stored as a 1-element tensor. */
    public float scalar(String key) {
        return tensor(key).floats()[0];
    }

    public int integer(String key) {
        Tensor t = tensor(key);
        return t.isInt() ? t.ints()[0] : Math.round(t.floats()[0]);
    }

    /** The file's {@code __metadata__} strings (configs of golden models). */
    public java.util.Map<String, String> metadata() {
        return contents.metadata();
    }

    /**
     * max |actual - expected| / max |expected| over the tensor: its error at its own scale. A NaN
     * or a length mismatch gives +inf; an all-zero expected tensor gives 0 only for an exact match.
     */
    public static double errorToOwnScale(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double err = Math.abs((double) actual[i] - expected[i]);
            worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : Math.max(worst, err);
        }
        return worst == 0 ? 0 : worst / scale;
    }

    /**
     * The golden comparison: fails unless max |actual - expected| <= tol x max |expected| of this
     * tensor (its own scale; see the class comment), naming the worst element.
     */
    public static void assertMatches(String what, float[] actual, float[] expected, double tol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + " != expected " + expected.length);
        }
        double error = errorToOwnScale(actual, expected);
        if (!(error <= tol)) {
            int at = 0;
            double worst = -1, scale = 0;
            for (int i = 0; i < actual.length; i++) {
                double err = Math.abs((double) actual[i] - expected[i]);
                scale = Math.max(scale, Math.abs(expected[i]));
                if (Double.isNaN(err) || err > worst) {
                    worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                    at = i;
                }
            }
            fail(String.format("%s: element %d is %s, expected %s (error %.3g = %.3g x max|expected| "
                    + "%.3g, tolerance %.1g)", what, at, actual[at], expected[at], worst, error, scale, tol));
        }
    }

    /** {@link #assertMatches(String, float[], float[], double)} against this file's tensor {@code key}. */
    public void assertMatches(String what, float[] actual, String key, double tol) {
        assertMatches(what, actual, f(key), tol);
    }

    public boolean has(String key) {
        return contents.tensors().containsKey(key);
    }

    public java.util.Set<String> keys() {
        return contents.tensors().keySet();
    }
}
