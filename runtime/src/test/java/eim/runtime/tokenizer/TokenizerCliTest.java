package eim.runtime.tokenizer;

import eim.model.io.TokenizerCheckpoint;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.TokenFile;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.cli.TokenizerCommand;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** train -> tokenize -> decode through the command classes, with the error paths users hit. */
class TokenizerCliTest {
    record Run(int code, String out, String err) {}

    static Run eim(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            int code = new CommandLine(new TokenizerCommand()).execute(args);
            return new Run(code, o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void trainTokenizeAndDecodeEightTimesWider(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("tok.safetensors");
        Run train = eim("train", "--preset", "tiny", "--synthetic", "12", "--holdout", "4", "--steps", "3", "--batch", "2",
                "--out", ckpt.toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.out().contains("held-out PSNR"), train.out());
        assertTrue(train.out().contains("vae_norm"), train.out());
        float vaeNorm = TokenizerCheckpoint.config(ckpt).vaeNorm();
        assertTrue(vaeNorm > 0 && Math.abs(vaeNorm - TokenizerConfig.preset("tiny").vaeNorm()) > 1e-6,
                "the trained tokenizer records its measured vae_norm, not the preset's: " + vaeNorm);

        Path wide = dir.resolve("wide");
        assertEquals(0, eim("scenes", "--out", wide.toString(), "--count", "2", "--width", "128", "--height", "16").code());
        Path tokens = dir.resolve("tokens.safetensors");
        Run tok = eim("tokenize", "--checkpoint", ckpt.toString(), "--out", tokens.toString(), "--width", "128", wide.toString());
        assertEquals(0, tok.code(), tok.err());
        TokenFile tf = TokenFile.read(tokens);
        assertEquals(2, tf.count());
        assertEquals(64, tf.length()); // 8x the 16-px training width, 2 px per token
        assertEquals(vaeNorm, tf.vaeNorm(), "the token file states the factor its tokens were multiplied by");
        assertEquals(TokenizerCheckpoint.config(ckpt), tf.tokenizer());
        assertFalse(tf.hasLabels(), "loose images: no labels");
        assertFalse(tf.hasViews());

        Path png = dir.resolve("wide.png");
        Run dec = eim("decode", "--checkpoint", ckpt.toString(), "--tokens", tokens.toString(), "--index", "1",
                "--out", png.toString());
        assertEquals(0, dec.code(), dec.err());
        assertTrue(dec.out().contains("seam ratio"), dec.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(128, img.getWidth());
        assertEquals(16, img.getHeight());
    }

    @Test
    void unreadableImagesAndMismatchedFilesAreNamed(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("tok.safetensors");
        assertEquals(0, eim("train", "--preset", "tiny", "--synthetic", "4", "--holdout", "1", "--steps", "1",
                "--batch", "1", "--out", ckpt.toString()).code());
        Path broken = dir.resolve("images");
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("broken.png"), "not a png");
        Run tok = eim("tokenize", "--checkpoint", ckpt.toString(), "--out", dir.resolve("t.safetensors").toString(),
                broken.toString());
        assertEquals(1, tok.code());
        assertTrue(tok.err().contains("broken.png") && tok.err().contains("cannot decode image"), tok.err());

        // training skips (and names) an unreadable image among readable ones
        assertEquals(0, eim("scenes", "--out", broken.toString(), "--count", "3", "--width", "24", "--height", "16").code());
        Run train = eim("train", "--preset", "tiny", "--data", broken.toString(), "--holdout", "1", "--steps", "1",
                "--batch", "1", "--out", dir.resolve("tok2.safetensors").toString());
        assertEquals(0, train.code(), train.err());
        assertTrue(train.err().contains("skipping 1 unreadable images") && train.err().contains("broken.png"), train.err());

        Run notCkpt = eim("decode", "--checkpoint", broken.resolve("broken.png").toString(), "--tokens", ckpt.toString(),
                "--out", dir.resolve("x.png").toString());
        assertEquals(1, notCkpt.code());
        assertTrue(notCkpt.err().contains("broken.png"), notCkpt.err());

        Run tokensAsCkpt = eim("decode", "--checkpoint", ckpt.toString(), "--tokens", ckpt.toString(),
                "--out", dir.resolve("x.png").toString());
        assertEquals(1, tokensAsCkpt.code());
        assertTrue(tokensAsCkpt.err().contains("not a token file"), tokensAsCkpt.err());
    }

    @Test
    void classFoldersGiveLabelsAndCropsGiveDeterministicViews(@TempDir Path dir) throws Exception {
        Path ckpt = dir.resolve("tok.safetensors");
        assertEquals(0, eim("train", "--preset", "tiny", "--synthetic", "4", "--holdout", "1", "--steps", "1",
                "--batch", "1", "--out", ckpt.toString()).code());
        Path data = dir.resolve("classes");
        // sub-folders in name order are the classes: "a-sea" = 0, "b-hills" = 1 (2 and 3 images)
        assertEquals(0, eim("scenes", "--out", data.resolve("b-hills").toString(), "--count", "3", "--width", "40",
                "--height", "20", "--first", "10").code());
        assertEquals(0, eim("scenes", "--out", data.resolve("a-sea").toString(), "--count", "2", "--width", "40",
                "--height", "20").code());
        Path tokens = dir.resolve("t.safetensors");
        Run tok = eim("tokenize", "--checkpoint", ckpt.toString(), "--out", tokens.toString(), "--crops", "2", "--seed", "5",
                data.toString());
        assertEquals(0, tok.code(), tok.err());
        TokenFile tf = TokenFile.read(tokens);
        assertEquals(5, tf.count());
        assertArrayEquals(new int[] {0, 0, 1, 1, 1}, tf.labels());
        assertEquals(List.of("a-sea", "b-hills"), tf.classNames());
        assertEquals(4, tf.viewCount(), "2 crops, each also mirrored");
        assertEquals(8, tf.length());
        assertEquals(5 * 4 * 8 * 8, tf.views().length);
        assertEquals(5, tf.provenanceList("sources").size());
        // the views differ from the centre crop and from each other (crops move, mirrors differ)
        int seq = tf.length() * tf.channels();
        float[] v0 = java.util.Arrays.copyOfRange(tf.views(), 0, seq), v1 = java.util.Arrays.copyOfRange(tf.views(), seq, 2 * seq);
        assertFalse(java.util.Arrays.equals(v0, v1));
        assertFalse(java.util.Arrays.equals(v0, tf.sequence(0)));

        // the same seed gives the same views, another seed other crops
        Path again = dir.resolve("again.safetensors"), other = dir.resolve("other.safetensors");
        assertEquals(0, eim("tokenize", "--checkpoint", ckpt.toString(), "--out", again.toString(), "--crops", "2",
                "--seed", "5", data.toString()).code());
        assertEquals(0, eim("tokenize", "--checkpoint", ckpt.toString(), "--out", other.toString(), "--crops", "2",
                "--seed", "6", data.toString()).code());
        // (to rounding: the Vector API's lane sums may change order once the JIT compiles them)
        assertTrue(eim.runtime.cli.Cli.relativeError(TokenFile.read(again).views(), tf.views()) < 1e-5, "same seed, same views");
        assertTrue(eim.runtime.cli.Cli.relativeError(TokenFile.read(other).tokens(), tf.tokens()) < 1e-5, "centre crops do not depend on the seed");
        assertTrue(eim.runtime.cli.Cli.relativeError(TokenFile.read(other).views(), tf.views()) > 1e-2, "another seed, other crops");

        // a class folder among other inputs is ambiguous
        Run mixed = eim("tokenize", "--checkpoint", ckpt.toString(), "--out", dir.resolve("m.safetensors").toString(),
                data.toString(), data.resolve("a-sea").toString());
        assertEquals(2, mixed.code(), "a usage error");
        assertTrue(mixed.err().contains("holds class sub-folders: give it alone"), mixed.err());
        Run badCrops = eim("tokenize", "--checkpoint", ckpt.toString(), "--out", dir.resolve("m.safetensors").toString(),
                "--crops", "-1", data.toString());
        assertEquals(2, badCrops.code(), "a usage error");
        assertTrue(badCrops.err().contains("--crops must be >= 0"), badCrops.err());
        assertFalse(Files.exists(dir.resolve("m.safetensors")));
    }
}
