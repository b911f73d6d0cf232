package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.GeneratorCheckpoint;
import eim.model.io.TokenFile;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.data.Images;
import eim.model.io.TokenizerCheckpoint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole command-line path at toy size, as a user runs it (in-process through Main.run, or
 * through scripts/eim with -Deim.cli.script, as scripts/test.sh does after the build): an image
 * folder with one sub-folder per class -> tokenizer train -> tokenize -> train -> sample -> decode, and
 * generate; every artefact is checked (files, shapes, labels, the vae_norm carried from the tokenizer
 * through the token file and the generator to the sampled tokens, PNG sizes).
 */
class CliChainTest {
    static Cli.Run eim(String... args) {
        return Cli.eim(args);
    }

    static Cli.Run ok(String... args) {
        return Cli.ok(args);
    }

    @Test
    void imageFolderToTokenizerToGeneratorToImages(@TempDir Path dir) throws Exception {
        Path images = dir.resolve("images");
        ok("tokenizer", "scenes", "--out", images.resolve("dunes").toString(), "--count", "3", "--width", "24", "--height", "16");
        ok("tokenizer", "scenes", "--out", images.resolve("forest").toString(), "--count", "3", "--width", "24", "--height", "16",
                "--first", "3");

        // tokenizer train on the class folder (classes do not matter to it); it records its measured vae_norm
        Path tok = dir.resolve("tokenizer.safetensors");
        Cli.Run train = ok("tokenizer", "train", "--preset", "tiny", "--data", images.toString(), "--holdout", "1", "--steps", "2",
                "--batch", "2", "--out", tok.toString());
        assertTrue(train.out().contains("5 training and 1 held-out images"), train.out());
        TokenizerConfig tc = TokenizerCheckpoint.config(tok);
        float vaeNorm = tc.vaeNorm();
        assertNotEquals(TokenizerConfig.preset("tiny").vaeNorm(), vaeNorm, "measured, not the preset's");

        // tokenize: labels from the sub-folders, views, the tokenizer's vae_norm
        Path tokens = dir.resolve("tokens.safetensors");
        ok("tokenize", "--checkpoint", tok.toString(), "--out", tokens.toString(), "--crops", "1", images.toString());
        TokenFile tf = TokenFile.read(tokens);
        assertEquals(6, tf.count());
        assertEquals(8, tf.length(), "16 px / 2 px per token");
        assertEquals(8, tf.channels());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, tf.labels());
        assertEquals(List.of("dunes", "forest"), tf.classNames());
        assertEquals(2, tf.viewCount());
        assertEquals(vaeNorm, tf.vaeNorm());
        assertEquals(tc, tf.tokenizer());

        // train the generator (views + posterior noise); its checkpoint carries vae_norm and the class names
        Path gen = dir.resolve("gen");
        ok("train", "--data", tokens.toString(), "--preset", "tiny", "--width", "32", "--depth", "2", "--heads", "4",
                "--head-width", "32", "--head-depth", "2", "--buffer", "4", "--steps", "3", "--batch", "4", "--warmup", "1",
                "--out", gen.toString());
        Path ckpt = gen.resolve("generator.safetensors");
        GeneratorCheckpoint.Loaded g = GeneratorCheckpoint.load(ckpt);
        assertEquals(3, g.step());
        assertEquals(vaeNorm, g.vaeNorm());
        assertEquals(List.of("dunes", "forest"), g.classNames());
        assertEquals(2, g.config().numClasses());
        assertEquals(8, g.config().seqLen());
        assertEquals(8, g.config().tokenChannels());
        assertEquals(String.valueOf(tc.std()), g.metadata().get("train.posterior_std"), "the tokenizer's posterior std");
        assertEquals("2", g.metadata().get("train.views"));
        List<String> loss = Files.readAllLines(gen.resolve("loss.csv"));
        assertTrue(loss.size() >= 4 && loss.get(0).startsWith("step,loss"), loss.toString());

        // sample 12 tokens (longer than trained) per image, two per class
        Path samples = dir.resolve("samples.safetensors");
        ok("sample", "--checkpoint", ckpt.toString(), "--labels", "0,1", "--count", "2", "--length", "12", "--steps", "2",
                "--out", samples.toString());
        TokenFile sf = TokenFile.read(samples);
        assertEquals(4, sf.count());
        assertEquals(12, sf.length());
        assertEquals(8, sf.channels());
        assertArrayEquals(new int[] {0, 0, 1, 1}, sf.labels());
        assertEquals(List.of("dunes", "forest"), sf.classNames());
        assertEquals(vaeNorm, sf.vaeNorm(), "sampled tokens are in the generator's scale");
        assertEquals(ckpt.toString(), sf.provenance().get("checkpoint"));

        // decode the samples (one PNG each, 12 tokens x 2 px) and one tokenized image
        Path decoded = dir.resolve("decoded");
        Cli.Run dec = ok("decode", "--checkpoint", tok.toString(), "--tokens", samples.toString(), "--out", decoded.toString());
        assertTrue(!dec.err().contains("warning"), dec.err());
        for (int i = 0; i < 4; i++) {
            BufferedImage img = Images.read(decoded.resolve(String.format("item_%04d.png", i)));
            assertEquals(24, img.getWidth());
            assertEquals(16, img.getHeight());
        }
        Path one = dir.resolve("one.png");
        ok("decode", "--checkpoint", tok.toString(), "--tokens", tokens.toString(), "--index", "4", "--out", one.toString());
        assertEquals(16, Images.read(one).getWidth());

        // generate: class -> PNG through both models, 10 tokens wide
        Path out = dir.resolve("generated");
        ok("generate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--class", "1", "--count", "2",
                "--width", "10", "--steps", "2", "--out", out.toString());
        for (String n : new String[] {"class1_000.png", "class1_001.png"}) {
            BufferedImage img = Images.read(out.resolve(n));
            assertEquals(20, img.getWidth());
            assertEquals(16, img.getHeight());
        }

        // loose images have no labels: train says how to get them, and --classes 1 trains one class
        Path loose = dir.resolve("loose.safetensors");
        ok("tokenize", "--checkpoint", tok.toString(), "--out", loose.toString(), images.resolve("dunes").toString());
        Cli.Run unlabelled = eim("train", "--data", loose.toString(), "--steps", "1", "--out", dir.resolve("g2").toString());
        assertNotEquals(0, unlabelled.code());
        assertTrue(unlabelled.err().contains("has no labels") && unlabelled.err().contains("--classes 1"), unlabelled.err());
        assertTrue(!Files.exists(dir.resolve("g2").resolve("generator.safetensors")));
    }

    @Test
    void sampleAndForwardTakeTheAuthorsCkpt(@TempDir Path dir) throws Exception {
        String ckpt = eim.tasks.testing.TestResources.file("/ckpt/generator_tiny.ckpt").toString();
        Path samples = dir.resolve("s.safetensors");
        ok("sample", "--checkpoint", ckpt, "--heads", "2", "--labels", "1,3", "--length", "5", "--steps", "2", "--out",
                samples.toString());
        TokenFile sf = TokenFile.read(samples);
        assertEquals(2, sf.count());
        assertEquals(5, sf.length());
        assertArrayEquals(new int[] {1, 3}, sf.labels());
        assertEquals(0.05493f, sf.vaeNorm(), "the authors' released models' vae_norm");
        assertEquals("model_ema", sf.provenance().get("weights"));

        // the null class is not a label: recorded as asked, no labels tensor
        Path uncond = dir.resolve("u.safetensors");
        ok("sample", "--checkpoint", ckpt, "--heads", "2", "--labels", "-1,2", "--length", "3", "--steps", "1", "--out",
                uncond.toString());
        TokenFile uf = TokenFile.read(uncond);
        assertTrue(!uf.hasLabels());
        assertEquals("-1,2", uf.provenance().get("sampled_labels"));

        // forward reads the token file sample wrote, from the .ckpt as from its import
        Path z1 = dir.resolve("z1.safetensors"), z2 = dir.resolve("z2.safetensors"), imported = dir.resolve("g.safetensors");
        ok("forward", "--checkpoint", ckpt, "--heads", "2", "--tokens", samples.toString(), "--labels", "1,3", "--out", z1.toString());
        ok("import", ckpt, imported.toString(), "--heads", "2");
        assertEquals(0.05493f, GeneratorCheckpoint.load(imported).vaeNorm());
        ok("forward", "--checkpoint", imported.toString(), "--tokens", samples.toString(), "--labels", "1,3", "--out", z2.toString());
        float[] a = eim.tasks.io.SafeTensors.read(z1).get("z").floats(), b = eim.tasks.io.SafeTensors.read(z2).get("z").floats();
        assertEquals(2 * 5 * GeneratorCheckpoint.load(imported).config().width(), a.length);
        assertArrayEquals(a, b);
    }
}
