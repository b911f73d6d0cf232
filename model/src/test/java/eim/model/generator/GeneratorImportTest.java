package eim.model.generator;

import static eim.tasks.testing.KernelHarness.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.GeneratorShapes;
import eim.tasks.Device;
import eim.tasks.testing.Golden;
import eim.tasks.testing.KernelHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authors' checkpoint format end to end: import, then PyTorch's conditions and sample (scripts/golden/import_golden.py). */
class GeneratorImportTest {
    static Path ckpt() throws Exception {
        return eim.tasks.testing.TestResources.file("/ckpt/generator_tiny.ckpt");
    }

    @Test
    void importedCheckpointReproducesPyTorch(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("g.safetensors");
        GeneratorConfig cfg = GeneratorImport.convert(ckpt(), out, 2, 3);
        assertEquals(16, cfg.width());
        Golden g = Golden.load("import_generator");
        for (Path source : new Path[] {out, ckpt()}) {
            EquivariantGenerator m = GeneratorImport.load(source, true, 2, 3);
            int[] labels = g.ints("labels");
            int len = g.tensor("tokens").dim(1);
            for (Device dev : KernelHarness.devices()) {
                assertClose(source.getFileName() + " z on " + dev.name(), m.conditions(dev, g.f("tokens"), labels, len),
                        g.f("z"), 1e-4);
            }
            float[] nv = g.f("noise");
            Sampler.NoiseSource src = (step, b, c) -> java.util.Arrays.copyOfRange(nv, step * b * c, (step + 1) * b * c);
            try (Sampler s = new Sampler(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, labels.length, len, 2.5f, 4)) {
                assertClose(source.getFileName() + " sample", s.sample(labels, src, null), g.f("sample"), 1e-4);
            }
        }
    }

    @Test
    void expectedShapesAreTheModelsParameters() {
        for (GeneratorConfig c : new GeneratorConfig[] {TestModels.tiny(3), GeneratorConfig.preset("tiny")}) {
            var ours = new EquivariantGenerator(c).params.shapes();
            var theirs = GeneratorShapes.expected(c);
            assertEquals(ours.keySet(), theirs.keySet());
            ours.forEach((k, v) -> assertTrue(eim.model.Parameters.sameShape(v, theirs.get(k)), k));
        }
    }

    @Test
    void truncatedCheckpointGivesAClearError(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(ckpt());
        Path cut = dir.resolve("cut.ckpt");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        Exception e = assertThrows(Exception.class, () -> GeneratorImport.convert(cut, dir.resolve("x.safetensors"), 2, 3));
        assertTrue(e.getMessage().contains("cut.ckpt") && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("x.safetensors")), "no half-written output");
    }
}
