package eim.runtime.train;

import eim.model.generator.GeneratorTraining;

/**
 * Data-parallel training on an engine outside this module (the {@code distributed} module's Apache
 * Spark trainer), found with {@link java.util.ServiceLoader} so that runtime does not depend on it:
 * {@code eim train --workers N [--master URL]} uses the first provider on the class path.
 */
public interface DistributedTraining {
    /**
     * The run's settings: {@code workers} replicas, {@code master} the engine's master URL (null:
     * embedded, in this process), {@code device} the device name each replica opens, {@code localSgd}
     * steps between weight averages (1: synchronous, every step's gradients combined).
     */
    record Settings(int workers, String master, String device, int localSgd) {
        public Settings {
            if (workers < 1) {
                throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
            }
            if (localSgd < 1) {
                throw new IllegalArgumentException("--local-sgd must be >= 1, got " + localSgd);
            }
        }
    }

    /**
     * The stepper of a run of {@code batches} (their global batch is split among the workers) with
     * this optimiser recipe, the model's config and the run's options; the model holds the weights
     * every replica starts from when its first step runs.
     */
    GeneratorTrainer.Stepper open(Settings settings, eim.model.generator.EquivariantGenerator model, Batches batches,
                                  GeneratorTraining.Recipe recipe);
}
