package eim.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.generator.EquivariantGenerator;
import eim.model.io.GeneratorCheckpoint;
import eim.model.generator.GeneratorConfig;
import eim.tasks.backend.JavaDevice;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTrainerTest {
    static final GeneratorConfig CFG = new GeneratorConfig(4, 32, 2, 4, 4, 4, 3, 4, 3, 0.1f, 0.1f, 0.1f, 32, 2, 2, 8,
            10000f);

    /** Class k: tokens whose channels drift smoothly around a class-specific mean. */
    static TokenDataset data(int n) {
        Random r = new Random(5);
        int l = 8, c = 4;
        float[] t = new float[n * l * c];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int j = 0; j < l; j++) {
                for (int k = 0; k < c; k++) {
                    t[(i * l + j) * c + k] = (labels[i] - 1) * 1.5f + (float) Math.sin(j + k + i) * 0.3f
                            + (float) r.nextGaussian() * 0.05f;
                }
            }
        }
        return new TokenDataset(t, labels, l, c);
    }

    static TrainOptions opts(Path dir, long steps) {
        return new TrainOptions(8, steps, 2e-2f, 5, "constant", 0f, 0.02f, 3f, 0.99f, 7, 10, 1000, dir);
    }

    @Test
    void lossFalls(@TempDir Path dir) throws Exception {
        EquivariantGenerator m = new EquivariantGenerator(CFG).initialize(1);
        try (JavaDevice dev = new JavaDevice();
             GeneratorTrainer tr = new GeneratorTrainer(m, data(48), opts(dir, 120), dev, null)) {
            tr.run(null);
            var h = tr.history();
            double first = h.subList(5, 25).stream().mapToDouble(GeneratorTrainer.StepLog::loss).average().orElseThrow();
            double last = h.subList(100, 120).stream().mapToDouble(GeneratorTrainer.StepLog::loss).average().orElseThrow();
            assertTrue(last < 0.8 * first, "loss should fall: first " + first + " last " + last);
        }
    }

    @Test
    void resumeFollowsTheSameTrajectory(@TempDir Path dir) throws Exception {
        TokenDataset d = data(24);
        float[] straight = new float[8];
        try (JavaDevice dev = new JavaDevice();
             GeneratorTrainer tr = new GeneratorTrainer(new EquivariantGenerator(CFG).initialize(3), d, opts(dir.resolve("a"), 8), dev, null)) {
            for (int i = 0; i < 8; i++) {
                straight[i] = tr.trainStep().loss();
            }
        }
        float[] resumed = new float[8];
        Path ck = dir.resolve("mid.safetensors");
        try (JavaDevice dev = new JavaDevice();
             GeneratorTrainer tr = new GeneratorTrainer(new EquivariantGenerator(CFG).initialize(3), d, opts(dir.resolve("b"), 8), dev, null)) {
            for (int i = 0; i < 4; i++) {
                resumed[i] = tr.trainStep().loss();
            }
            tr.saveCheckpoint(ck);
        }
        GeneratorCheckpoint.Loaded l = GeneratorCheckpoint.load(ck);
        try (JavaDevice dev = new JavaDevice();
             GeneratorTrainer tr = new GeneratorTrainer(new EquivariantGenerator(l.config()), d, opts(dir.resolve("c"), 8), dev, l)) {
            for (int i = 4; i < 8; i++) {
                resumed[i] = tr.trainStep().loss();
            }
        }
        // Equal up to float rounding: the Vector API leaves the order of a lane reduction to the JIT
        // (interpreted and compiled code may add lanes differently), so two runs of the same JVM
        // can differ in the last bit; everything else (data order, draws, seeds, moments) is exact.
        for (int i = 0; i < 8; i++) {
            assertEquals(straight[i], resumed[i], 1e-5 * Math.abs(straight[i]), "step " + i + " after resume at 4");
        }
    }
}
