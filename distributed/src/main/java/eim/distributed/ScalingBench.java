package eim.distributed;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorTraining;
import eim.runtime.train.Batches;
import eim.runtime.train.DistributedTraining;
import eim.runtime.train.TokenDataset;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Steps per second of data-parallel training in Spark's local mode (or on the cluster named by
 * {@code -Deim.bench.master=spark://host:7077}) for 1, 2, 4 workers at a fixed
 * batch per worker (weak scaling), against the same steps without Spark, with the engine's share of
 * each step (scheduling, gradients up and down, combining) separated from the replicas' compute and
 * the driver's update ({@link SparkTrainer.Timing}). Synthetic tokens; medians of the timed steps.
 *
 * <p>{@code java -cp distributed.jar:lib/*:eim.jar eim.distributed.ScalingBench [preset] [batch per
 * worker] [timed steps] [workers...]}, defaults tiny 4 5 1 2 4. With a master URL each worker count
 * is one Spark application asking for that many cores ({@code spark.cores.max}); on
 * {@code scripts/cluster.sh start 4} (one core per worker) that is one executor JVM per replica.
 * The no-Spark baseline runs in this JVM either way.
 */
public final class ScalingBench {
    private ScalingBench() {}

    public static void main(String[] args) throws Exception {
        String preset = args.length > 0 ? args[0] : "tiny";
        int per = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int[] workers = args.length > 3 ? Arrays.stream(args, 3, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {1, 2, 4};
        String url = System.getProperty("eim.bench.master"); // null: local mode
        int l = 16, n = 64;
        GeneratorConfig cfg = GeneratorConfig.preset(preset).withClasses(4).withSeqLen(l);
        SplittableRandom r = new SplittableRandom(1);
        float[] t = new float[n * l * cfg.tokenChannels()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) r.nextGaussian();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 4;
        }
        TokenDataset data = new TokenDataset(t, labels, l, cfg.tokenChannels());
        GeneratorTraining.Recipe recipe = new GeneratorTraining.Recipe(0.02f, 3f, 0.9999f);
        int warm = 2;
        long params = new EquivariantGenerator(cfg).params.count();
        System.out.printf("preset %s: %d parameters (%.1f MB of gradients), L %d, %d sequences per worker, %d cores, "
                        + "master %s%n", preset, params, params * 4 / 1e6, l, per,
                Runtime.getRuntime().availableProcessors(), url == null ? "local mode" : url);

        // no Spark: one replica, gradients + apply in this thread
        double base;
        try (Device dev = Devices.open("java");
             GeneratorTraining tr = new EquivariantGenerator(cfg).initialize(1).training(dev, per, l, recipe)) {
            Batches b = new Batches(data, cfg, per, 1);
            double[] ms = new double[steps];
            for (int s = 0; s < warm + steps; s++) {
                long t0 = System.nanoTime();
                GeneratorTraining.Gradients g = tr.gradients(b.batch(s));
                tr.apply(g.flat(), 1e-4f);
                if (s >= warm) {
                    ms[s - warm] = (System.nanoTime() - t0) / 1e6;
                }
            }
            base = median(ms);
            System.out.printf("no Spark, 1 replica: %.0f ms/step, %.2f steps/s, %.1f sequences/s%n", base, 1000 / base,
                    per * 1000 / base);
        }
        for (int w : workers) {
            DistributedTraining.Settings st = new DistributedTraining.Settings(w, url, "java", 1);
            JavaSparkContext sc = SparkTrainer.context(st);
            EquivariantGenerator driver = new EquivariantGenerator(cfg).initialize(1);
            try (Device dev = Devices.open("java");
                 GeneratorTraining master = driver.training(dev, 1, l, recipe);
                 SparkTrainer tr = new SparkTrainer(sc, st, driver, new Batches(data, cfg, per * w, 1), recipe)) {
                for (int s = 0; s < warm + steps; s++) {
                    tr.step(master, s, 1e-4f);
                }
                var tm = tr.timings().subList(warm, warm + steps);
                double total = median(tm.stream().mapToDouble(SparkTrainer.Timing::totalMs).toArray());
                double compute = median(tm.stream().mapToDouble(SparkTrainer.Timing::computeMs).toArray());
                double apply = median(tm.stream().mapToDouble(SparkTrainer.Timing::applyMs).toArray());
                double engine = median(tm.stream().mapToDouble(SparkTrainer.Timing::engineMs).toArray());
                double seqs = per * w * 1000 / total;
                System.out.printf("%d worker(s): %.0f ms/step (slowest replica %.0f, driver update %.0f, engine %.0f), "
                                + "%.2f steps/s, %.1f sequences/s, efficiency %.0f%% of %d x no-Spark%n", w, total, compute,
                        apply, engine, 1000 / total, seqs, 100 * seqs / (w * per * 1000 / base), w);
            } finally {
                sc.close();
            }
        }
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
