package eim.runtime.demo;

import eim.model.generator.EquivariantGenerator;
import eim.model.io.GeneratorCheckpoint;
import eim.model.generator.GeneratorConfig;
import eim.tasks.io.AtomicFiles;
import eim.runtime.train.GeneratorTrainer;
import eim.runtime.train.TokenDataset;
import eim.runtime.train.TrainOptions;
import eim.tasks.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second stage: trains the windowed-causal generator with its flow head on the token windows
 * for its time share (or reuses out/generator/generator.safetensors). The authors' recipe: AdamW
 * (0.9, 0.95), warm-up then constant learning rate, clipping at 3, EMA weights for sampling, and
 * batches of random views plus fresh posterior samples ({@link TokenDataset#trainingSequence}).
 */
final class GeneratorStage {
    private static final Logger log = LoggerFactory.getLogger(GeneratorStage.class);
    static final String FOLDER = "generator", CHECKPOINT = "generator.safetensors", LOSS_CSV = "loss.csv";

    record Training(int steps, double seconds, long parameters, boolean reused) {}

    private GeneratorStage() {}

    static Path checkpoint(DemoConfig c) {
        return c.out().resolve(FOLDER).resolve(CHECKPOINT);
    }

    /** The architecture with the data's token channels, class count and window length. */
    static GeneratorConfig config(DemoConfig c) {
        return c.generator().withTokenChannels(c.tokenizer().embedDim()).withClasses(DemoConfig.CLASSES)
                .withSeqLen(c.tokensPerImage());
    }

    static Training trainOrReuse(DemoConfig c, TokenizerStage.Tokens tokens, Device device, DemoState state) throws Exception {
        Path checkpoint = checkpoint(c);
        Map<String, String> settings = c.generatorSettings();
        if (!c.retrain() && state.reusable("generator", settings, checkpoint)) {
            log.info("reusing the trained generator {} (same settings; --retrain trains again)", checkpoint);
            return new Training(Integer.parseInt(state.result("generator", "steps")),
                    Double.parseDouble(state.result("generator", "seconds")),
                    Long.parseLong(state.result("generator", "parameters")), true);
        }
        TokenDataset data = TokenDataset.load(tokens.file());
        EquivariantGenerator model = new EquivariantGenerator(config(c)).initialize(c.seed());
        Path folder = checkpoint.getParent();
        // blr is per 256 sequences (lr = blr * batch / 256)
        TrainOptions opts = new TrainOptions(c.generatorBatch(), c.generatorMaxSteps(), c.generatorLr() * 256f / c.generatorBatch(),
                c.generatorWarmup(), "constant", 0f, 0.02f, 3f, c.generatorEma(), c.seed(), 50, Integer.MAX_VALUE, folder);
        log.info("generator: {} parameters; data: {}", model.params.count(), data.describe());
        StringBuilder csv = new StringBuilder("step,loss,lr,grad_norm\n");
        BudgetedTraining.Outcome outcome;
        try (GeneratorTrainer trainer = new GeneratorTrainer(model, data, opts, device, null)) {
            outcome = BudgetedTraining.run("generator training", c.generatorMinutes() * 60, c.generatorMaxSteps(), () -> {
                GeneratorTrainer.StepLog s = trainer.trainStep();
                csv.append(String.format(Locale.ROOT, "%d,%.6g,%.4g,%.4g%n", s.step() + 1, s.loss(), s.lr(), s.gradNorm()));
                return String.format(Locale.ROOT, "loss %.4f", s.loss());
            });
            trainer.saveCheckpoint(checkpoint);
        }
        AtomicFiles.writeString(folder.resolve(LOSS_CSV), csv.toString());
        state.finished("generator", settings, Map.of("steps", "" + outcome.steps(), "seconds", "" + outcome.seconds(),
                "parameters", "" + model.params.count()));
        return new Training(outcome.steps(), outcome.seconds(), model.params.count(), false);
    }

    /** The trained generator with its EMA weights. */
    static EquivariantGenerator load(DemoConfig c) throws IOException {
        return GeneratorCheckpoint.load(checkpoint(c)).model(true);
    }
}
