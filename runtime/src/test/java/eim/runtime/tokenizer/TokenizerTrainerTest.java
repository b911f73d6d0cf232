package eim.runtime.tokenizer;

import eim.model.io.TokenizerCheckpoint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.data.panorama.PanoramaGenerator;
import eim.tasks.backend.JavaDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerTrainerTest {
    static final TokenizerConfig TINY = TokenizerConfig.preset("tiny");
    static final JavaDevice DEVICE = new JavaDevice();

    static ImageSet scenes(int from, int count) {
        // 24x16 panoramas of every class: random 16x16 crops move the content horizontally
        return new ImageSet(PanoramaGenerator.mixed(from, count, 24, 16, 7), 16);
    }

    static TrainOptions options(int steps) {
        return TrainOptions.defaults().withBatch(8).withSteps(steps).withSchedule(2e-3f, 10, 30000, 0.2f)
                .withEma(0.9f).withSeed(1);
    }

    @Test
    void shortTrainingBeatsTheColumnMeanBaselineOnHeldOutImages() throws Exception {
        try (TokenizerTrainer t = new TokenizerTrainer(TINY, DEVICE, options(100))) {
            long start = System.nanoTime();
            TokenizerTrainer.Evaluation e = t.train(scenes(0, 48), scenes(1000, 16), null, s -> {});
            System.out.printf("tiny tokenizer: %d steps in %.1f s, held-out PSNR %.2f dB vs column-mean baseline %.2f dB%n",
                    t.step(), (System.nanoTime() - start) / 1e9, e.psnr(), e.baselinePsnr());
            assertEquals(16, e.images());
            assertTrue(e.psnr() > e.baselinePsnr() + 1.0,
                    "PSNR " + e.psnr() + " must beat the per-column mean-colour baseline " + e.baselinePsnr());
        }
    }

    @Test
    void resumingFromACheckpointContinuesTheRun(@TempDir Path dir) throws Exception {
        ImageSet data = scenes(0, 8);
        Path ckpt = dir.resolve("tok.safetensors");
        float[] straight;
        try (TokenizerTrainer t = new TokenizerTrainer(TINY, DEVICE, options(4))) {
            t.train(data, null, null, s -> {});
            straight = t.model().parameters().get("decoder.conv_out.weight").value().array().clone();
        }
        try (TokenizerTrainer t = new TokenizerTrainer(TINY, DEVICE, options(2))) {
            t.train(data, null, ckpt, s -> {});
        }
        assertTrue(Files.size(ckpt) > 0);
        try (TokenizerTrainer t = TokenizerTrainer.resume(ckpt, DEVICE, options(4))) {
            assertEquals(2, t.step());
            t.train(data, null, null, s -> {});
            // equal up to the last bit of Math.exp/pow, whose JIT intrinsics may round differently from the interpreter
            eim.tasks.testing.KernelHarness.assertClose("resumed weights",
                    t.model().parameters().get("decoder.conv_out.weight").value().array(), straight, 1e-5);
        }
        // inference loads the EMA copy; a checkpoint of another config is refused, naming the file
        try (Tokenizer ema = TokenizerCheckpoint.loadForInference(ckpt, DEVICE, true)) {
            assertEquals(TINY, ema.config());
        }
        try (Tokenizer other = new Tokenizer(TokenizerConfig.preset("mini"), DEVICE, 0)) {
            var e = assertThrows(IllegalArgumentException.class,
                    () -> TokenizerCheckpoint.loadInto(ckpt, other));
            assertTrue(e.getMessage().contains(ckpt.toString()) && e.getMessage().contains("does not match"), e.getMessage());
        }
        Path notTokenizer = dir.resolve("other.safetensors");
        eim.tasks.io.SafeTensors.write(notTokenizer, java.util.Map.of(), java.util.Map.of("kind", "eim-generator"));
        var e = assertThrows(IllegalArgumentException.class, () -> TokenizerCheckpoint.loadForInference(notTokenizer, DEVICE, true));
        assertTrue(e.getMessage().contains("not a tokenizer checkpoint"), e.getMessage());
    }
}
