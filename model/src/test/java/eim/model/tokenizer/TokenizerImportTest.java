package eim.model.tokenizer;

import static eim.tasks.testing.KernelHarness.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.TorchCheckpoint;
import eim.tasks.Device;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import eim.tasks.testing.Golden;
import eim.tasks.testing.KernelHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authors' tokenizer checkpoint format end to end: config inferred from the shapes, EMA
 * weights imported, then PyTorch's tokens and decoded images (scripts/golden/import_tokenizer_golden.py).
 */
class TokenizerImportTest {
    /** make_ckpts.py's tiny tokenizer uses 4 GroupNorm groups. */
    static final TokenizerImport.Options TINY = TokenizerImport.Options.groups(4);

    static Path ckpt() throws Exception {
        return eim.tasks.testing.TestResources.file("/ckpt/tokenizer_tiny.ckpt");
    }

    /** Generation loads the decoder alone: the same images, fewer parameters, no encoder. */
    @Test
    void aDecoderOnlyTokenizerDecodesAsTheWholeOne() throws Exception {
        Device dev = KernelHarness.java();
        try (Tokenizer whole = TokenizerImport.load(ckpt(), dev, true, TINY);
             Tokenizer half = TokenizerImport.load(ckpt(), dev, true, TINY, Tokenizer.Part.DECODER)) {
            float[] tokens = new float[2 * 5 * whole.config().embedDim()];
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = (float) Math.sin(0.37 * i);
            }
            assertArrayEquals(whole.decode(tokens, 2, 5), half.decode(tokens, 2, 5));
            assertTrue(half.parameters().count() < whole.parameters().count());
            assertFalse(half.parameters().names().stream().anyMatch(n -> n.startsWith("encoder.") || n.startsWith("quant_layer.")));
            var e = assertThrows(IllegalStateException.class, () -> half.encode(new float[3 * 8 * 8], 1, 8));
            assertTrue(e.getMessage().contains("decoding only"), e.getMessage());
        }
    }

    @Test
    void configIsReadFromTheShapes() throws Exception {
        try (TorchCheckpoint ck = TorchCheckpoint.open(ckpt())) {
            assertTrue(TokenizerImport.isTokenizerCheckpoint(ck));
            TokenizerImport.Result r = TokenizerImport.inspect(ck, TINY);
            TokenizerConfig c = r.config();
            // make_ckpts.py: ch 4, ch_mult (1,2), 1 res block, attention at 4, resolution 8, z 2, embed 4
            assertEquals(new TokenizerConfig(8, 3, 4, new int[] {1, 2}, 1, new int[] {4}, 2, 4, 4, 2.5f, 0.05493f), c);
            assertTrue(r.hasEma());
            assertTrue(r.ignored().stream().anyMatch(k -> k.startsWith("semantic_decoder.")), r.ignored().toString());
            assertTrue(r.ignored().stream().anyMatch(k -> k.startsWith("ema_semantic_decoder.")), r.ignored().toString());
            assertTrue(r.ignored().contains("loss.logvar") && r.ignored().contains("ema_encoder.num_updates"));
            assertFalse(r.shapes().keySet().stream().anyMatch(k -> k.startsWith("semantic_decoder.")));
        }
    }

    @Test
    void importedCheckpointReproducesPyTorch() throws Exception {
        Golden g = Golden.load("import_tokenizer");
        float[] latents = g.f("sample").clone(); // the generator golden's sample, divided by vae_norm
        for (int i = 0; i < latents.length; i++) {
            latents[i] /= 0.05493f;
        }
        try (Tokenizer t = TokenizerImport.load(ckpt(), KernelHarness.java(), true, TINY)) {
            assertClose("tokens", t.encode(g.f("image"), 2, 16), g.f("tokens"), 1e-4);
            assertClose("recon", t.decode(g.f("tokens"), 2, 8), g.f("recon"), 1e-4);
            assertClose("3x-wide recon", t.decode(g.f("wide_tokens"), 1, 24), g.f("wide_recon"), 1e-4);
            assertClose("decoded sample", t.decode(latents, 2, 7), g.f("generated"), 1e-4);
        }
        // other devices: one network (each new shape costs a kernel compilation; TokenizerGoldenTest covers parity)
        for (Device dev : KernelHarness.devices()) {
            try (Tokenizer t = TokenizerImport.load(ckpt(), dev, true, TINY)) {
                assertClose("decoded sample on " + dev.name(), t.decode(latents, 2, 7), g.f("generated"), 1e-4);
            }
        }
    }

    @Test
    void convertedFileHoldsWeightsEmaAndConfig(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("tok.safetensors");
        TokenizerImport.Result r = TokenizerImport.convert(ckpt(), out, TINY);
        SafeTensors.Contents c = SafeTensors.read(out);
        assertEquals(r.config(), TokenizerConfig.fromMetadata(c.metadata(), out.toString()));
        assertEquals(2 * r.shapes().size(), c.tensors().size());
        try (TorchCheckpoint ck = TorchCheckpoint.open(ckpt())) {
            String key = "encoder.down.1.attn.0.q.weight";
            Tensor ema = c.tensors().get(TokenizerImport.EMA_PREFIX + key);
            assertArrayEquals(ck.load("state_dict/ema_encoder.down1attn0qweight").floats(), ema.floats());
            assertArrayEquals(ck.load("state_dict/" + key).floats(), c.tensors().get(key).floats());
            assertFalse(Arrays.equals(ema.floats(), c.tensors().get(key).floats()), "EMA differs from the weights");
        }
        try (Tokenizer t = new Tokenizer(r.config(), KernelHarness.java(), 0)) {
            Map<String, Tensor> ema = new java.util.LinkedHashMap<>();
            c.tensors().forEach((k, v) -> {
                if (k.startsWith(TokenizerImport.EMA_PREFIX)) {
                    ema.put(k.substring(TokenizerImport.EMA_PREFIX.length()), v);
                }
            });
            t.parameters().load(ema, out.toString());
            Golden g = Golden.load("import_tokenizer");
            assertClose("recon from the converted file", t.decode(g.f("tokens"), 2, 8), g.f("recon"), 1e-4);
        }
    }

    @Test
    void expectedShapesAreTheModelsParameters() {
        for (String preset : TokenizerConfig.presetNames()) {
            if (preset.equals("official")) {
                continue; // 180M parameters: the preset check below covers its inference without allocating twice
            }
            TokenizerConfig c = TokenizerConfig.preset(preset);
            try (Tokenizer t = new Tokenizer(c, KernelHarness.java(), 0)) {
                Map<String, long[]> shapes = TokenizerImport.expectedShapes(c);
                assertEquals(t.parameters().names(), java.util.List.copyOf(shapes.keySet()));
                assertEquals(c, TokenizerImport.infer(shapes, preset, TokenizerImport.Options.groups(c.groups())),
                        "the config inferred from the preset's own shapes");
            }
        }
        TokenizerConfig official = TokenizerConfig.preset("official");
        assertEquals(official, TokenizerImport.infer(TokenizerImport.expectedShapes(official), "official",
                TokenizerImport.Options.defaults()));
    }

    @Test
    void wrongPresetGivesAShapeReport() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> {
            try (TorchCheckpoint ck = TorchCheckpoint.open(ckpt())) {
                TokenizerImport.inspect(ck, new TokenizerImport.Options("tiny", null, null, null));
            }
        });
        assertTrue(e.getMessage().contains("with other shapes") && e.getMessage().contains("encoder.conv_in.weight: expected"),
                e.getMessage());
    }

    @Test
    void truncatedOrCorruptCheckpointGivesAClearError(@TempDir Path dir) throws Exception {
        byte[] all = Files.readAllBytes(ckpt());
        Path cut = dir.resolve("cut.ckpt");
        Files.write(cut, Arrays.copyOf(all, all.length / 2));
        Exception e = assertThrows(Exception.class, () -> TokenizerImport.convert(cut, dir.resolve("x.safetensors"), TINY));
        assertTrue(e.getMessage().contains("cut.ckpt") && e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("x.safetensors")), "no half-written output");

        Path garbage = dir.resolve("garbage.ckpt");
        byte[] noise = new byte[4096];
        new java.util.Random(1).nextBytes(noise);
        Files.write(garbage, noise);
        e = assertThrows(Exception.class, () -> TokenizerImport.load(garbage, KernelHarness.java(), true, TINY));
        assertTrue(e.getMessage().contains("garbage.ckpt"), e.getMessage());

        Path generator = eim.tasks.testing.TestResources.file("/ckpt/generator_tiny.ckpt");
        e = assertThrows(IllegalArgumentException.class, () -> TokenizerImport.convert(generator, dir.resolve("y.safetensors"), TINY));
        assertTrue(e.getMessage().contains("no 'state_dict'"), e.getMessage());
    }
}
