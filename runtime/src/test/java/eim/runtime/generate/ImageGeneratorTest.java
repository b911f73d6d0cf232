package eim.runtime.generate;

import static eim.tasks.testing.KernelHarness.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorImport;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerImport;
import eim.tasks.testing.Golden;
import eim.tasks.testing.KernelHarness;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The generate pipeline against PyTorch: the authors'-format tiny generator and tokenizer checkpoints
 * (make_ckpts.py), fixed noise, sample then decode; expected values from import_golden.py (sample)
 * and import_tokenizer_golden.py (the sample / vae_norm decoded).
 */
class ImageGeneratorTest {
    static Path resource(String name) throws Exception {
        return eim.tasks.testing.TestResources.file("/ckpt/" + name);
    }

    @Test
    void authorsCheckpointsGivePyTorchsImages() throws Exception {
        Golden gen = Golden.load("import_generator"), tok = Golden.load("import_tokenizer");
        EquivariantGenerator g = GeneratorImport.load(resource("generator_tiny.ckpt"), true, 2, 3);
        float[] noise = gen.f("noise"); // (L, B, C): AR step i's noise for the B images
        Sampler.NoiseSource fixed = (step, b, c) -> Arrays.copyOfRange(noise, step * b * c, (step + 1) * b * c);
        int[] labels = gen.ints("labels");
        try (Tokenizer t = TokenizerFiles.load(resource("tokenizer_tiny.ckpt"), KernelHarness.java(), true,
                TokenizerImport.Options.groups(4));
             ImageGenerator ig = new ImageGenerator(g, t, 0.05493f, KernelHarness.java())) {
            ImageGenerator.Batch b = ig.generate(labels, new ImageGenerator.Settings(7, 2.5f, 4, Sampler.Mode.INCREMENTAL),
                    fixed, null);
            assertClose("sampled latents", b.latents(), gen.f("sample"), 1e-4);
            assertClose("decoded images", b.pixels(), tok.f("generated"), 1e-4);
            assertEquals(8, b.height());
            assertEquals(14, b.width());
            assertEquals(14, b.image(1).getWidth());
            assertEquals(8, b.image(1).getHeight());
        }
    }

    @Test
    void tokenChannelsMustMatchTheTokenizer() throws Exception {
        EquivariantGenerator g = GeneratorImport.load(resource("generator_tiny.ckpt"), true, 2, 3); // 4-channel tokens
        try (Tokenizer t = new Tokenizer(TokenizerConfig.preset("tiny"), KernelHarness.java(), 0)) { // 8-channel tokens
            Exception e = assertThrows(IllegalArgumentException.class,
                    () -> new ImageGenerator(g, t, 0.05493f, KernelHarness.java()));
            assertTrue(e.getMessage().contains("4-channel tokens") && e.getMessage().contains("8-channel"), e.getMessage());
        }
    }

    @Test
    void settingsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ImageGenerator.Settings(1, 3f, 10, Sampler.Mode.INCREMENTAL));
        assertThrows(IllegalArgumentException.class, () -> new ImageGenerator.Settings(4, 3f, 0, Sampler.Mode.INCREMENTAL));
        assertThrows(IllegalArgumentException.class, () -> new ImageGenerator.Settings(4, 0f, 10, Sampler.Mode.INCREMENTAL));
    }
}
