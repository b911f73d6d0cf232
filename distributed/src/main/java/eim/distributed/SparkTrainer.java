package eim.distributed;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorTraining;
import eim.runtime.train.Batches;
import eim.runtime.train.DistributedTraining;
import eim.runtime.train.GeneratorTrainer;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel training of the generator on Apache Spark: N replicas, one per task of
 * every step's job, each on its own device ({@code java} or {@code tornado}).
 *
 * <p>Step s is one Spark job of N tasks. Task i takes its replica (kept in its executor between
 * steps, {@link Replicas}), applies step s−1's combined gradients to it (clipping, AdamW, EMA:
 * {@link GeneratorTraining#apply}, the same values on every replica), then computes the loss and
 * gradients of samples [i·B/N, (i+1)·B/N) of the global batch ({@link Batches#shard}, the same draws
 * the whole batch has there) and returns them with a checksum of its weights. The driver combines
 * the gradients in partition order (the row-weighted mean: the loss is a mean over rows), applies
 * them to its own copy (the one checkpoints are written from) and sends them with the next step's
 * job. The driver's result does not depend on the order the tasks finish in, so a retried task
 * gives bit-identical results.
 *
 * <p>Faults: Spark retries a failed task (another executor when one is lost); a replica that already
 * applied the update skips it, so a retry recomputes the same gradients. A task that finds no
 * replica in step (a new executor), or a replica whose weights differ from the driver's, makes the
 * driver redo the step with its full state (weights, moments, EMA) sent to every replica.
 */
public final class SparkTrainer implements GeneratorTrainer.Stepper {
    private static final Logger log = LoggerFactory.getLogger(SparkTrainer.class);

    /** What every task of the run needs, sent once (the training data, the model's config). */
    record Run(String id, Batches batches, int workers, Map<String, String> config, float weightDecay, float gradClip,
               float emaRate, String device, int length) implements Serializable {
        GeneratorTraining.Recipe recipe() {
            return new GeneratorTraining.Recipe(weightDecay, gradClip, emaRate);
        }

        int lo(int i) {
            return (int) ((long) i * batches.batch() / workers);
        }
    }

    /** What the tasks of step s need: the previous step's combined gradients, or the driver's full state. */
    record StepInput(long step, float[] update, float updateLr, Replicas.State full, long failOnceAtStep)
            implements Serializable {}

    /** One task's result: its shard's mean loss, rows and gradients, or stale (no replica in step). */
    record Part(int index, float loss, int rows, float[] grad, long checksum, long computeNanos, boolean stale)
            implements Serializable {}

    /** Timings of one step in milliseconds: all of it, the slowest replica's compute, the driver's update. */
    public record Timing(long step, double totalMs, double computeMs, double applyMs, boolean resynced) {
        /** What the engine adds: scheduling, shipping gradients both ways, combining. */
        public double engineMs() {
            return totalMs - computeMs - applyMs;
        }
    }

    private final JavaSparkContext sc;
    private final boolean ownsContext;
    private final Run run;
    private final Broadcast<Run> runCast;
    private final EquivariantGenerator model;
    private final List<Timing> timings = new ArrayList<>();
    private float[] pending;
    private float pendingLr;
    private long pendingStep = Long.MIN_VALUE; // the step whose combined gradients `pending` holds
    private Duration stepTimeout = Duration.ofDays(365);
    long failOnceAtStep = -1; // tests: task 0's first attempt fails at this step, after its update

    /**
     * A trainer on an existing Spark context ({@code sc}, left open at {@link #close}) or, when
     * {@code sc} is null, on a new one for {@code settings} ({@link #context}).
     */
    public SparkTrainer(JavaSparkContext sc, DistributedTraining.Settings settings, EquivariantGenerator model,
                        Batches batches, GeneratorTraining.Recipe recipe) {
        if (settings.localSgd() != 1) {
            throw new IllegalArgumentException("--local-sgd: only 1 (synchronous) is implemented, got "
                    + settings.localSgd());
        }
        if (batches.batch() < settings.workers()) {
            throw new IllegalArgumentException("--batch " + batches.batch() + " is smaller than --workers "
                    + settings.workers() + ": every worker needs at least one sequence");
        }
        this.ownsContext = sc == null;
        this.sc = sc != null ? sc : context(settings);
        this.model = model;
        this.run = new Run(UUID.randomUUID().toString(), batches, settings.workers(), model.cfg.toMetadata(),
                recipe.weightDecay(), recipe.gradClip(), recipe.emaRate(), settings.device(), batches.data().length());
        this.runCast = this.sc.broadcast(run);
    }

    /** The master URL of {@code settings}: theirs, else embedded local mode with retries. */
    static String masterUrl(DistributedTraining.Settings settings) {
        return settings.master() != null ? settings.master() : "local[" + settings.workers() + ",4]";
    }

    /**
     * A Spark context for a run: local mode ({@code local[N,4]}: N task threads, a failed task tried
     * up to 4 times) unless a master URL is given; no UI; results of any size; executors started with
     * the JVM flags the kernels need and this application's jars.
     */
    public static JavaSparkContext context(DistributedTraining.Settings settings) {
        Logs.quiet();
        String master = masterUrl(settings);
        SparkConf conf = new SparkConf().setAppName("eim-train").setMaster(master)
                .setIfMissing("spark.ui.enabled", "false")
                .setIfMissing("spark.driver.maxResultSize", "0")
                .setIfMissing("spark.task.maxFailures", "4")
                .setIfMissing("spark.executor.extraJavaOptions",
                        "--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED "
                                + "--sun-misc-unsafe-memory-access=allow " + System.getProperty("eim.executor.flags", ""));
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "localhost").setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        } else {
            conf.setIfMissing("spark.cores.max", Integer.toString(settings.workers()));
            List<String> jars = AppJars.find();
            if (!jars.isEmpty() && !conf.contains("spark.jars")) {
                conf.set("spark.jars", String.join(",", jars));
            }
        }
        return new JavaSparkContext(conf); // its logs: through logback, warnings only (Logs.quiet)
    }

    /** Bounds each step's job (tests); a step past it fails with an {@link IllegalStateException}. */
    public SparkTrainer stepTimeout(Duration d) {
        this.stepTimeout = d;
        return this;
    }

    public List<Timing> timings() {
        return timings;
    }

    public JavaSparkContext context() {
        return sc;
    }

    @Override
    public GeneratorTraining.Result step(GeneratorTraining training, long step, float lr) {
        long t0 = System.nanoTime();
        training.pass().parametersToHost();
        long want = Replicas.checksum(model);
        boolean full = pendingStep != step - 1;
        List<Part> parts = runStep(training, step, full);
        boolean resynced = full;
        String why = whyResync(parts, want);
        if (why != null) {
            log.warn("step {}: {}; sending the driver's full state to every replica", step, why);
            parts = runStep(training, step, true);
            resynced = true;
            why = whyResync(parts, want);
            if (why != null) {
                throw new IllegalStateException("step " + step + ": " + why + " even after a full resync");
            }
        }
        int rows = 0;
        for (Part p : parts) {
            rows += p.rows();
        }
        float[] sum = new float[parts.get(0).grad().length];
        double loss = 0;
        long compute = 0;
        for (Part p : parts) { // partition order: the same float sums whichever task finished first
            float w = (float) p.rows() / rows;
            float[] g = p.grad();
            for (int k = 0; k < sum.length; k++) {
                sum[k] += w * g[k];
            }
            loss += (double) p.loss() * p.rows() / rows;
            compute = Math.max(compute, p.computeNanos());
        }
        if (!Double.isFinite(loss)) {
            throw new IllegalStateException("loss became " + loss + " at step " + step + " (lr " + lr + ")");
        }
        long a0 = System.nanoTime();
        double norm = training.apply(sum, lr);
        long a1 = System.nanoTime();
        pending = sum;
        pendingLr = lr;
        pendingStep = step;
        timings.add(new Timing(step, (a1 - t0) / 1e6, compute / 1e6, (a1 - a0) / 1e6, resynced));
        return new GeneratorTraining.Result((float) loss, norm);
    }

    private static String whyResync(List<Part> parts, long want) {
        for (Part p : parts) {
            if (p.stale()) {
                return "worker " + p.index() + " has no replica at this step (a new or restarted executor)";
            }
            if (p.checksum() != want) {
                return "worker " + p.index() + "'s weights differ from the driver's";
            }
        }
        return null;
    }

    private List<Part> runStep(GeneratorTraining training, long step, boolean full) {
        StepInput in = new StepInput(step, full ? null : pending, pendingLr,
                full ? Replicas.State.of(model, training) : null, failOnceAtStep);
        Broadcast<StepInput> cast = sc.broadcast(in);
        try {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < run.workers(); i++) {
                idx.add(i);
            }
            JavaRDD<Part> rdd = sc.parallelize(idx, run.workers())
                    .mapPartitionsWithIndex(new StepTask(runCast, cast), false);
            JavaFutureAction<List<Part>> job = rdd.collectAsync();
            List<Part> parts;
            try {
                parts = job.get(stepTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                job.cancel(true);
                throw new IllegalStateException("step " + step + " did not finish within " + stepTimeout);
            } catch (InterruptedException e) {
                job.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted at step " + step, e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException("step " + step + " failed: " + rootMessage(e), e);
            }
            List<Part> sorted = new ArrayList<>(parts);
            sorted.sort(java.util.Comparator.comparingInt(Part::index));
            return sorted;
        } finally {
            cast.destroy();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }

    /** One worker's part of a step (runs in an executor). */
    static final class StepTask implements Function2<Integer, Iterator<Integer>, Iterator<Part>> {
        private final Broadcast<Run> runCast;
        private final Broadcast<StepInput> stepCast;

        StepTask(Broadcast<Run> runCast, Broadcast<StepInput> stepCast) {
            this.runCast = runCast;
            this.stepCast = stepCast;
        }

        @Override
        public Iterator<Part> call(Integer index, Iterator<Integer> ignored) {
            Run run = runCast.value();
            StepInput in = stepCast.value();
            int i = index, lo = run.lo(i), hi = run.lo(i + 1), size = hi - lo;
            long s = in.step();
            Replicas.Replica rep;
            if (in.full() != null) {
                rep = Replicas.take(run.id(), size, s);
                if (rep != null) {
                    rep.close();
                }
                rep = Replicas.create(in.full(), run.config(), run.recipe(), run.device(), size, run.length());
            } else {
                rep = Replicas.take(run.id(), size, s);
                if (rep == null) {
                    return List.of(new Part(i, 0f, 0, null, 0, 0, true)).iterator();
                }
            }
            boolean keep = false;
            try {
                long t0 = System.nanoTime();
                if (rep.step() == s - 1) {
                    rep.training.apply(in.update(), in.updateLr());
                }
                rep.training.pass().parametersToHost();
                long sum = Replicas.checksum(rep.model);
                GeneratorTraining.Gradients g = rep.training.gradients(run.batches().shard(s, lo, hi));
                long t1 = System.nanoTime();
                keep = true;
                TaskContext ctx = TaskContext.get();
                if (s == in.failOnceAtStep() && i == 0 && ctx != null && ctx.attemptNumber() == 0) {
                    throw new IllegalStateException("injected failure of worker 0 at step " + s + " (first attempt)");
                }
                return List.of(new Part(i, g.loss(), g.rows(), g.flat(), sum, t1 - t0, false)).iterator();
            } finally {
                if (keep) {
                    Replicas.give(run.id(), rep);
                } else {
                    rep.close();
                }
            }
        }
    }

    /** Closes the replicas of this run in every executor that runs a task now, and here. */
    @Override
    public void close() {
        try {
            String id = run.id();
            if (!sc.sc().isStopped()) {
                List<Integer> idx = new ArrayList<>();
                for (int i = 0; i < run.workers(); i++) {
                    idx.add(i);
                }
                sc.parallelize(idx, run.workers()).foreachPartition(it -> Replicas.closeRun(id));
            }
            Replicas.closeRun(id);
            runCast.destroy();
        } catch (RuntimeException e) {
            log.debug("closing the replicas: {}", e.toString());
        } finally {
            if (ownsContext) {
                sc.close();
            }
        }
    }
}
