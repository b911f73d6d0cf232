package eim.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.junit.jupiter.api.Test;

class FrechetDistanceTest {

    /** Two Gaussians with diagonal covariances: FD = |mu1-mu2|^2 + sum (sigma1 - sigma2)^2, exactly. */
    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        double[] m1 = {0.5, -1, 2}, m2 = {0, 1, 2.5};
        double[] v1 = {1, 4, 0.25}, v2 = {2.25, 1, 1};
        var g1 = new FrechetDistance.Gaussian(m1, diag(v1));
        var g2 = new FrechetDistance.Gaussian(m2, diag(v2));
        double expected = 0;
        for (int j = 0; j < 3; j++) {
            expected += (m1[j] - m2[j]) * (m1[j] - m2[j]) + Math.pow(Math.sqrt(v1[j]) - Math.sqrt(v2[j]), 2);
        }
        assertEquals(expected, FrechetDistance.between(g1, g2), 1e-12 * expected);
    }

    /** Same covariance, rotated frame: the covariance terms cancel and only the means count. */
    @Test
    void equalFullCovariancesLeaveTheMeanTerm() {
        double[][] s = {{2, 0.6, -0.3}, {0.6, 1, 0.2}, {-0.3, 0.2, 0.5}};
        var g1 = new FrechetDistance.Gaussian(new double[] {1, 2, 3}, new Array2DRowRealMatrix(s));
        var g2 = new FrechetDistance.Gaussian(new double[] {1, 0, 3}, new Array2DRowRealMatrix(s));
        assertEquals(4.0, FrechetDistance.between(g1, g2), 1e-10);
        assertEquals(0.0, FrechetDistance.between(g1, g1), 1e-10);
    }

    /** Samples of a Gaussian approach the closed form as n grows (fit + distance end to end). */
    @Test
    void sampledGaussiansApproachTheClosedForm() {
        Random r = new Random(3);
        int n = 200_000;
        double[][] a = new double[n][1], b = new double[n][1];
        for (int i = 0; i < n; i++) {
            a[i][0] = r.nextGaussian() * 2 + 1;
            b[i][0] = r.nextGaussian() * 0.5 - 1;
        }
        // (1 - -1)^2 + (2 - 0.5)^2 = 6.25
        assertEquals(6.25, FrechetDistance.between(a, b), 0.05);
    }

    /** Committed features and NumPy's value for them (scripts/golden/frechet_golden.py). */
    @Test
    void matchesNumPyOnCommittedFeatures() throws Exception {
        JsonObject g;
        try (var in = new InputStreamReader(getClass().getResourceAsStream("/eval/frechet-numpy.json"), StandardCharsets.UTF_8)) {
            g = new Gson().fromJson(in, JsonObject.class);
        }
        double[][] a = new Gson().fromJson(g.get("a"), double[][].class);
        double[][] b = new Gson().fromJson(g.get("b"), double[][].class);
        double expected = g.get("fd").getAsDouble();
        assertEquals(expected, FrechetDistance.between(a, b), 1e-9 * expected);
        assertEquals(g.get("fd_aa").getAsDouble(), FrechetDistance.between(a, a), 1e-9 * expected);
    }

    @Test
    void rejectsBadSets() {
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(new double[][] {{1}}, new double[][] {{1}, {2}}));
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(new double[][] {{1, 2}, {3, 4}},
                new double[][] {{1}, {2}}));
        assertThrows(IllegalArgumentException.class, () -> FrechetDistance.fit(new double[][] {{1, Double.NaN}, {3, 4}}));
    }

    private static Array2DRowRealMatrix diag(double[] v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return new Array2DRowRealMatrix(m);
    }
}
