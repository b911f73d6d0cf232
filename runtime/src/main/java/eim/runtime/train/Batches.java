package eim.runtime.train;

import eim.model.generator.GeneratorConfig;
import eim.model.generator.TrainingPass;
import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * The generator's training batches: batch s is a pure function of (seed, s), and every random draw
 * of a sample is a function of its GLOBAL index in the batch, so a data-parallel replica that makes
 * only samples [lo, hi) ({@link #shard}) gets exactly the draws the whole batch has there:
 *
 * <ul>
 *   <li>per step (shared by every shard): the data order (a seeded shuffle per epoch), the RoPE
 *       shift, the dropout seed;</li>
 *   <li>per sample j, from a stream keyed by (seed, s, j): the label drop, then t for each of its
 *       diffusionBatchMul · L rows, then the noise of those rows; and from a second stream keyed the
 *       same way, the data recipe (the view picked and the posterior noise,
 *       {@link TokenDataset#trainingSequence}).</li>
 * </ul>
 *
 * <p>Rows of a batch are laid out (diffusionBatchMul, B·L) as {@link TrainingPass} repeats them, so a
 * shard's rows are the rows of its samples in every repeat. Dropout inside the kernels is keyed by
 * (seed, GLOBAL draw index): the shard carries its first sample lo ({@link TrainingPass.Batch#first})
 * and the kernels offset their draw indices by it, so a shard draws the whole batch's masks for its
 * samples and a sharded step is the whole batch's step up to the order of float sums, dropout
 * included.
 */
public final class Batches implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final long RECIPE_STREAM = 0x632BE59BD9B4E019L, STEP_STREAM = 0x2545F4914F6CDD1DL;

    private final TokenDataset data;
    private final int batch, mul, shiftRange;
    private final float labelDropProb;
    private final long seed;
    private transient volatile Order order;

    private record Order(int epoch, int[] perm) {}

    /** Batches of {@code batch} sequences (the global batch) of {@code data} for a model of {@code cfg}. */
    public Batches(TokenDataset data, GeneratorConfig cfg, int batch, long seed) {
        this.data = data;
        this.batch = batch;
        this.mul = cfg.diffusionBatchMul();
        this.shiftRange = cfg.shiftRange();
        this.labelDropProb = cfg.labelDropProb();
        this.seed = seed;
    }

    public int batch() {
        return batch;
    }

    public TokenDataset data() {
        return data;
    }

    /** The whole batch of step s. */
    public TrainingPass.Batch batch(long s) {
        return shard(s, 0, batch);
    }

    /** Samples [lo, hi) of the batch of step s, with the draws the whole batch has for them. */
    public TrainingPass.Batch shard(long s, int lo, int hi) {
        if (lo < 0 || hi > batch || lo >= hi) {
            throw new IllegalArgumentException("shard [" + lo + ", " + hi + ") of a batch of " + batch);
        }
        int b = hi - lo, l = data.length(), c = data.channels(), n = data.size(), bl = b * l;
        float[] tokens = new float[bl * c], t = new float[mul * bl], noise = new float[mul * bl * c];
        int[] labels = new int[b], drop = new int[b];
        for (int j = lo; j < hi; j++) {
            int o = j - lo;
            long k = s * batch + j;
            int idx = permutation((int) (k / n), n)[(int) (k % n)];
            SplittableRandom r = new SplittableRandom(mix(mix(mix(seed) + s) + j));
            SplittableRandom recipe = new SplittableRandom(mix(mix(mix(seed) + s) + j) ^ RECIPE_STREAM);
            data.trainingSequence(idx, tokens, o * l * c, recipe);
            labels[o] = data.label(idx);
            drop[o] = r.nextDouble() < labelDropProb ? 1 : 0;
            for (int m = 0; m < mul; m++) {
                for (int p = 0; p < l; p++) {
                    t[m * bl + o * l + p] = (float) r.nextDouble();
                }
            }
            for (int m = 0; m < mul; m++) {
                int from = (m * bl + o * l) * c;
                for (int i = from; i < from + l * c; i++) {
                    noise[i] = (float) r.nextGaussian();
                }
            }
        }
        SplittableRandom step = new SplittableRandom(mix(mix(seed) + s) ^ STEP_STREAM);
        int shift = step.nextInt(shiftRange);
        int dropoutSeed = step.nextInt();
        return new TrainingPass.Batch(tokens, labels, drop, shift, noise, t, dropoutSeed, lo);
    }

    /** The data order of an epoch: a seeded shuffle (the last one is kept; replicas share this object). */
    private int[] permutation(int epoch, int n) {
        Order o = order;
        if (o == null || o.epoch() != epoch) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            SplittableRandom r = new SplittableRandom(seed * 31 + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int tmp = p[i];
                p[i] = p[j];
                p[j] = tmp;
            }
            o = new Order(epoch, p);
            order = o;
        }
        return o.perm();
    }

    /** A 64-bit finaliser (MurmurHash3's fmix64), so that nearby keys give unrelated streams. */
    static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
