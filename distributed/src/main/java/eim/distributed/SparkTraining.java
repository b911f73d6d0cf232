package eim.distributed;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorTraining;
import eim.runtime.train.Batches;
import eim.runtime.train.DistributedTraining;
import eim.runtime.train.GeneratorTrainer;

/** The {@link DistributedTraining} provider that {@code eim train --workers N} finds: {@link SparkTrainer}. */
public final class SparkTraining implements DistributedTraining {
    @Override
    public GeneratorTrainer.Stepper open(Settings settings, EquivariantGenerator model, Batches batches,
                                         GeneratorTraining.Recipe recipe) {
        return new SparkTrainer(null, settings, model, batches, recipe);
    }
}
