package eim.runtime.eval;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.stat.correlation.Covariance;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the FID formula):
 * |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2)).
 *
 * <p>Means and unbiased covariances as {@code numpy.cov(rowvar=False)} (pytorch-fid). The trace of
 * the square root of S1 S2 (not symmetric) is taken as that of the symmetric PSD matrix
 * S1^(1/2) S2 S1^(1/2), which has the same eigenvalues, through Commons Math's symmetric eigen
 * decomposition: no complex round-off parts to discard, as scipy's sqrtm leaves.
 */
public final class FrechetDistance {
    private FrechetDistance() {}

    /** A Gaussian fitted to features: mean (d) and covariance (d x d). */
    public record Gaussian(double[] mean, RealMatrix covariance) {
        public int dim() {
            return mean.length;
        }
    }

    /** Fits a Gaussian to {@code features} (n rows of d values; n >= 2, all finite). */
    public static Gaussian fit(double[][] features) {
        if (features.length < 2) {
            throw new IllegalArgumentException("a Fréchet distance needs at least 2 feature vectors per set, got " + features.length);
        }
        int d = features[0].length;
        double[] mean = new double[d];
        for (double[] row : features) {
            if (row.length != d) {
                throw new IllegalArgumentException("feature vectors of different lengths: " + d + " and " + row.length);
            }
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(row[j])) {
                    throw new IllegalArgumentException("a feature vector holds " + row[j]);
                }
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= features.length;
        }
        RealMatrix cov = d == 1 ? varianceMatrix(features, mean[0])
                : new Covariance(new Array2DRowRealMatrix(features, false), true).getCovarianceMatrix();
        return new Gaussian(mean, cov);
    }

    /** Commons Math's Covariance wants two columns or more. */
    private static RealMatrix varianceMatrix(double[][] features, double mean) {
        double s = 0;
        for (double[] row : features) {
            s += (row[0] - mean) * (row[0] - mean);
        }
        return new Array2DRowRealMatrix(new double[][] {{s / (features.length - 1)}});
    }

    /** The Fréchet distance between the Gaussians fitted to two feature sets. */
    public static double between(double[][] a, double[][] b) {
        return between(fit(a), fit(b));
    }

    public static double between(Gaussian g1, Gaussian g2) {
        if (g1.dim() != g2.dim()) {
            throw new IllegalArgumentException("feature dimensions differ: " + g1.dim() + " and " + g2.dim());
        }
        double meanTerm = 0;
        for (int j = 0; j < g1.dim(); j++) {
            double diff = g1.mean()[j] - g2.mean()[j];
            meanTerm += diff * diff;
        }
        RealMatrix root1 = sqrtPsd(g1.covariance());
        RealMatrix inner = root1.multiply(g2.covariance()).multiply(root1);
        inner = inner.add(inner.transpose()).scalarMultiply(0.5); // exact symmetry for the eigen solver
        double traceRoot = 0;
        for (double lambda : new EigenDecomposition(inner).getRealEigenvalues()) {
            traceRoot += Math.sqrt(Math.max(lambda, 0)); // round-off can leave tiny negatives
        }
        double fd = meanTerm + g1.covariance().getTrace() + g2.covariance().getTrace() - 2 * traceRoot;
        return Math.max(fd, 0);
    }

    /** The symmetric square root of a symmetric positive semi-definite matrix. */
    static RealMatrix sqrtPsd(RealMatrix m) {
        RealMatrix sym = m.add(m.transpose()).scalarMultiply(0.5);
        EigenDecomposition e = new EigenDecomposition(sym);
        double[] lambda = e.getRealEigenvalues();
        RealMatrix v = e.getV();
        int d = lambda.length;
        double[][] scaled = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int k = 0; k < d; k++) {
                scaled[i][k] = v.getEntry(i, k) * Math.sqrt(Math.max(lambda[k], 0));
            }
        }
        return new Array2DRowRealMatrix(scaled, false).multiply(v.transpose());
    }
}
