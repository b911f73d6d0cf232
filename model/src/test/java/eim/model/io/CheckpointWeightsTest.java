package eim.model.io;

import static eim.model.io.TorchCheckpointTest.resource;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.generator.GeneratorConfig;
import eim.tasks.testing.Golden;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The authors' key layouts: the tokenizer's LitEma copies, the generator's model/model_ema and sizes. */
class CheckpointWeightsTest {

    @Test
    void tokenizerEmaCopiesMapBackToTheirModuleKeys() throws IOException {
        Golden expected = Golden.load("ckpt_expected_tokenizer");
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("tokenizer_tiny.ckpt"))) {
            TokenizerWeights t = TokenizerWeights.read(c);
            assertEquals(List.of(), t.unmatchedEma());
            // LitEma shadows every trainable parameter of the five modules
            assertEquals(t.weights().keySet(), t.ema().keySet());
            assertTrue(t.weights().size() > 150, "weights: " + t.weights().size());
            assertEquals(10, t.emaCounters().size()); // decay and num_updates per module
            assertTrue(t.emaCounters().containsKey("ema_post_quant_layer.num_updates"));
            assertEquals(List.of("loss.logvar", "loss.perceptual_loss.scaling_layer.shift", "loss.discriminator.bn.weight",
                    "loss.discriminator.bn.bias", "loss.discriminator.bn.running_mean", "loss.discriminator.bn.running_var",
                    "loss.discriminator.bn.num_batches_tracked"), List.copyOf(t.other().keySet()));

            TensorRef emaConvIn = t.ema().get("encoder.conv_in.weight");
            assertEquals("state_dict/ema_encoder.conv_inweight", emaConvIn.name());
            TensorRef emaDeep = t.ema().get("decoder.up.1.upsample.conv.conv.weight");
            assertEquals("state_dict/ema_decoder.up1upsampleconvconvweight", emaDeep.name());
            // the EMA values are the ema_* entries', not the weights'
            for (String key : List.of("encoder.conv_in.weight", "decoder.up.1.upsample.conv.conv.weight",
                    "quant_layer.bias", "semantic_decoder.down.1.block.1.conv2.weight")) {
                float[] ema = c.load(t.ema().get(key)).data();
                assertArrayEquals(expected.f("state_dict/" + TokenizerWeights.emaKey(key)), ema, 0f, key);
                assertFalse(java.util.Arrays.equals(expected.f("state_dict/" + key), ema), key + " EMA equals the weight");
            }
            Map<String, TensorRef> withEma = t.select(true);
            assertEquals(t.weights().keySet(), withEma.keySet());
            assertEquals(emaConvIn, withEma.get("encoder.conv_in.weight"));
            assertEquals(t.weights(), t.select(false));
        }
    }

    @Test
    void emaNamesFollowLitEma() {
        assertEquals("ema_encoder.down0block0conv1weight", TokenizerWeights.emaKey("encoder.down.0.block.0.conv1.weight"));
        assertEquals("ema_quant_layer.weight", TokenizerWeights.emaKey("quant_layer.weight"));
    }

    @Test
    void emaOnlyCheckpointsMapThroughTheModelsKeys() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("tokenizer_tiny.ckpt"))) {
            Map<String, TensorRef> sd = new LinkedHashMap<>(c.tensors("state_dict"));
            List<String> moduleKeys = List.copyOf(TokenizerWeights.read(c).weights().keySet());
            sd.keySet().removeIf(k -> k.startsWith("encoder."));
            TokenizerWeights alone = TokenizerWeights.split(sd, List.of());
            assertTrue(alone.unmatchedEma().contains("ema_encoder.conv_inweight"), alone.summary());
            TokenizerWeights mapped = TokenizerWeights.split(sd, moduleKeys);
            assertEquals(List.of(), mapped.unmatchedEma());
            assertTrue(mapped.ema().containsKey("encoder.conv_in.weight"));
        }
    }

    @Test
    void generatorModelAndEmaHaveTheAuthorsKeysAndInferredSizes() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("generator_tiny.ckpt"))) {
            GeneratorWeights g = GeneratorWeights.read(c);
            assertEquals(g.model().keySet(), g.ema().keySet());
            assertEquals("model_ema/z_proj.bias", g.select(true).get("z_proj.bias").name());
            Map<String, long[]> shapes = ShapeReport.shapes(g.model());
            GeneratorConfig cfg = GeneratorShapes.infer(shapes, "generator_tiny.ckpt", 2, 3);
            assertEquals(4, cfg.tokenChannels());
            assertEquals(16, cfg.width());
            assertEquals(2, cfg.depth());
            assertEquals(2, cfg.heads());
            assertEquals(4, cfg.mlpRatio());
            assertEquals(4, cfg.bufferSize());
            assertEquals(5, cfg.numClasses());
            assertEquals(16, cfg.headWidth());
            assertEquals(2, cfg.headDepth());
            assertEquals(3, cfg.window());
            // the expected layout is the checkpoint's, key for key and in state_dict order
            assertEquals(List.copyOf(shapes.keySet()), List.copyOf(GeneratorShapes.expected(cfg).keySet()));
            ShapeReport r = ShapeReport.compare("generator_tiny.ckpt model", GeneratorShapes.expected(cfg), shapes);
            assertTrue(r.ok(), r.format());
            assertEquals("generator_tiny.ckpt model: all " + shapes.size() + " tensors match", r.format());
            // width 16 cannot give heads = width/64
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GeneratorShapes.infer(shapes, "generator_tiny.ckpt"));
            assertTrue(e.getMessage().contains("width 16 is not a multiple of 64"), e.getMessage());
        }
    }

    @Test
    void presetsGiveTheirOwnLayoutBackAndTheHeadCountDefault() {
        GeneratorConfig large = GeneratorConfig.preset("L").withClasses(30);
        GeneratorConfig inferred = GeneratorShapes.infer(GeneratorShapes.expected(large), "L");
        assertEquals(large, inferred);
        // every paper preset, H's 16 heads of width 80 included (not width/64 = 20)
        for (String p : new String[] {"S", "B", "L", "H"}) {
            GeneratorConfig c = GeneratorConfig.preset(p);
            assertEquals(c, GeneratorShapes.infer(GeneratorShapes.expected(c), p), p);
        }
        assertEquals(16, GeneratorConfig.preset("H").heads());
        // the paper's parameter counts for L (644M) and H (1.2B), with 1000 classes
        assertEquals(644, params(GeneratorConfig.preset("L")) / 1_000_000);
        assertEquals(12, params(GeneratorConfig.preset("H")) / 100_000_000);
    }

    private static long params(GeneratorConfig c) {
        return GeneratorShapes.expected(c).values().stream().mapToLong(eim.tasks.io.Tensor::numel).sum();
    }

    @Test
    void shapeReportListsEveryKindOfProblem() {
        Map<String, long[]> expected = new LinkedHashMap<>();
        expected.put("a.weight", new long[] {4, 2});
        expected.put("b.weight", new long[] {3});
        expected.put("c.bias", new long[] {4});
        Map<String, long[]> found = new LinkedHashMap<>();
        found.put("a.weight", new long[] {4, 2});
        found.put("b.weight", new long[] {5});
        found.put("d.extra", new long[] {1});
        ShapeReport r = ShapeReport.compare("x.ckpt model vs preset tiny", expected, found);
        assertFalse(r.ok());
        assertEquals("""
                x.ckpt model vs preset tiny: 1 of 3 expected tensors match; 1 missing, 1 unexpected, 1 with other shapes
                  missing from the checkpoint (1):
                    c.bias
                  in the checkpoint but not expected (1):
                    d.extra
                  shape differs (1):
                    b.weight: expected [3], found [5]""", r.format());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::requireOk);
        assertEquals(r.format(), e.getMessage());
    }

    @Test
    void inferringFromAnotherLayoutFailsWithAReport() throws IOException {
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("generator_tiny.ckpt"))) {
            Map<String, long[]> shapes = ShapeReport.shapes(c.tensors("model"));
            shapes.remove("encoder_blocks.1.attn2.k.bias");
            shapes.put("encoder_blocks.0.norm2.weight", new long[] {17});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GeneratorShapes.infer(shapes, "edited", 2, 3));
            assertTrue(e.getMessage().contains("missing from the checkpoint (1):\n    encoder_blocks.1.attn2.k.bias"), e.getMessage());
            assertTrue(e.getMessage().contains("encoder_blocks.0.norm2.weight: expected [16], found [17]"), e.getMessage());
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(resource("tokenizer_tiny.ckpt"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GeneratorShapes.infer(ShapeReport.shapes(c.tensors("state_dict")), "tokenizer_tiny.ckpt"));
            assertEquals("tokenizer_tiny.ckpt: no 'z_proj.weight' tensor: not a generator state_dict", e.getMessage());
            IOException io = assertThrows(IOException.class, () -> GeneratorWeights.read(c));
            assertTrue(io.getMessage().contains("no entry 'model' in the top-level dict; it holds [epoch, global_step"),
                    io.getMessage());
        }
    }
}
