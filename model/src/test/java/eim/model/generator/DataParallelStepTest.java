package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.Parameters;
import eim.tasks.backend.JavaDevice;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link GeneratorTraining#gradients} and {@link GeneratorTraining#apply}, the two halves of a step
 * that data-parallel training runs on separate replicas: together they are {@link GeneratorTraining#step},
 * and the row-weighted mean of the gradients of the shards of a batch is the batch's gradient, so N
 * replicas that apply it follow the one-replica trajectory, dropout included: a shard carries its
 * first global sample and the kernels draw its masks as the whole batch's (docs/distributed.md).
 */
class DataParallelStepTest {
    static final GeneratorTraining.Recipe RECIPE = new GeneratorTraining.Recipe(0.02f, 3f, 0.99f);

    /** A batch of b samples with every draw random; rows are (mul, b·L) as TrainingPass lays them out. */
    static TrainingPass.Batch batch(GeneratorConfig cfg, int b, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int l = cfg.seqLen(), c = cfg.tokenChannels(), rows = cfg.diffusionBatchMul() * b * l;
        float[] tokens = new float[b * l * c], noise = new float[rows * c], t = new float[rows];
        int[] labels = new int[b], drop = new int[b];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (float) r.nextGaussian();
        for (int i = 0; i < noise.length; i++) noise[i] = (float) r.nextGaussian();
        for (int i = 0; i < rows; i++) t[i] = (float) r.nextDouble();
        for (int j = 0; j < b; j++) {
            labels[j] = r.nextInt(cfg.numClasses());
            drop[j] = j % 3 == 0 ? 1 : 0;
        }
        return new TrainingPass.Batch(tokens, labels, drop, r.nextInt(cfg.shiftRange()), noise, t, 17);
    }

    /**
     * Samples [lo, hi) of a batch of b: the same shift and seed, the rows of those samples in every
     * repeat, first sample lo.
     */
    static TrainingPass.Batch shard(GeneratorConfig cfg, TrainingPass.Batch g, int b, int lo, int hi) {
        int l = cfg.seqLen(), c = cfg.tokenChannels(), mul = cfg.diffusionBatchMul(), n = hi - lo;
        float[] tokens = new float[n * l * c], noise = new float[mul * n * l * c], t = new float[mul * n * l];
        System.arraycopy(g.tokens(), lo * l * c, tokens, 0, n * l * c);
        for (int k = 0; k < mul; k++) {
            System.arraycopy(g.t(), k * b * l + lo * l, t, k * n * l, n * l);
            System.arraycopy(g.noise(), (k * b * l + lo * l) * c, noise, k * n * l * c, n * l * c);
        }
        int[] labels = java.util.Arrays.copyOfRange(g.labels(), lo, hi), drop = java.util.Arrays.copyOfRange(g.dropMask(), lo, hi);
        return new TrainingPass.Batch(tokens, labels, drop, g.shift(), noise, t, g.seed(), lo);
    }

    static float[] weights(EquivariantGenerator m) {
        float[] w = new float[Math.toIntExact(m.params.count())];
        int o = 0;
        for (Parameters.Param p : m.params.all()) {
            System.arraycopy(p.value().array(), 0, w, o, p.size());
            o += p.size();
        }
        return w;
    }

    /**
     * The tolerance of a data-parallel run against the one-replica run after {@code steps} AdamW steps
     * at rate {@code lr}: the shards sum the same float products in another order (~1e-7 relative
     * per gradient), and AdamW divides each gradient element by its own running magnitude, so an
     * element whose gradient is rounding noise moves by up to lr per step in either run. Every weight
     * is within 1e-3 · steps · lr, except the attention key biases, whose true gradient is zero
     * (softmax ignores a shift shared by all scores of a query): their updates are Adam-normalised
     * rounding noise, bounded by steps · lr.
     */
    static void assertCloseWeights(EquivariantGenerator expected, EquivariantGenerator actual, int steps, float lr) {
        for (Parameters.Param p : expected.params.all()) {
            float[] w = p.value().array(), v = actual.params.value(p.name()).array();
            boolean keyBias = p.name().endsWith(".k.bias") || p.name().endsWith(".qkv.bias");
            double tol = (keyBias ? 1.0 : 1e-3) * steps * lr;
            for (int k = 0; k < w.length; k++) {
                assertEquals(w[k], v[k], tol, p.name() + "[" + k + "]");
            }
        }
    }

    @Test
    void gradientsThenApplyIsStep() {
        GeneratorConfig cfg = TestModels.tiny(3).withDropouts(0.1f, 0.1f, 0.1f);
        EquivariantGenerator a = TestModels.randomModel(cfg, 1), b = TestModels.randomModel(cfg, 1);
        try (JavaDevice dev = new JavaDevice();
             GeneratorTraining ta = a.training(dev, 4, cfg.seqLen(), RECIPE);
             GeneratorTraining tb = b.training(dev, 4, cfg.seqLen(), RECIPE)) {
            for (int s = 0; s < 3; s++) {
                TrainingPass.Batch bt = batch(cfg, 4, s);
                GeneratorTraining.Result r = ta.step(bt, 1e-3f);
                GeneratorTraining.Gradients g = tb.gradients(bt);
                double norm = tb.apply(g.flat(), 1e-3f);
                assertEquals(r.loss(), g.loss(), 0f, "loss at step " + s);
                assertEquals(r.gradNorm(), norm, 0d, "gradient norm at step " + s);
                assertEquals(cfg.diffusionBatchMul() * 4 * cfg.seqLen(), g.rows());
            }
            assertArrayEquals(weights(a), weights(b), "weights after 3 steps");
            assertEquals(3, tb.steps());
        }
    }

    /** With the authors' dropout 0.1 on attention and projections (and label drop 0.1). */
    @Test
    void twoShardsFollowTheWholeBatch() {
        GeneratorConfig cfg = TestModels.tiny(3).withDropouts(0.1f, 0.1f, 0.1f);
        int b = 6;
        EquivariantGenerator whole = TestModels.randomModel(cfg, 2);
        EquivariantGenerator[] rep = {TestModels.randomModel(cfg, 2), TestModels.randomModel(cfg, 2)};
        int[][] shards = {{0, 2}, {2, 6}}; // unequal shards: the row-weighted mean
        try (JavaDevice dev = new JavaDevice();
             GeneratorTraining tw = whole.training(dev, b, cfg.seqLen(), RECIPE);
             GeneratorTraining t0 = rep[0].training(dev, 2, cfg.seqLen(), RECIPE);
             GeneratorTraining t1 = rep[1].training(dev, 4, cfg.seqLen(), RECIPE)) {
            GeneratorTraining[] tr = {t0, t1};
            for (int s = 0; s < 10; s++) {
                TrainingPass.Batch g = batch(cfg, b, 100 + s);
                GeneratorTraining.Result r = tw.step(g, 2e-3f);
                GeneratorTraining.Gradients[] parts = new GeneratorTraining.Gradients[2];
                for (int i = 0; i < 2; i++) {
                    parts[i] = tr[i].gradients(shard(cfg, g, b, shards[i][0], shards[i][1]));
                }
                int rows = parts[0].rows() + parts[1].rows();
                float[] sum = new float[parts[0].flat().length];
                double loss = 0;
                for (GeneratorTraining.Gradients p : parts) {
                    for (int k = 0; k < sum.length; k++) sum[k] += p.flat()[k] * ((float) p.rows() / rows);
                    loss += (double) p.loss() * p.rows() / rows;
                }
                for (GeneratorTraining t : tr) {
                    assertEquals(r.gradNorm(), t.apply(sum, 2e-3f), 1e-5 * r.gradNorm(), "norm at step " + s);
                }
                assertEquals(r.loss(), loss, 1e-5 * r.loss(), "loss at step " + s);
            }
            assertArrayEquals(weights(rep[0]), weights(rep[1]), "the replicas stay identical");
            assertCloseWeights(whole, rep[0], 10, 2e-3f);
        }
    }
}
