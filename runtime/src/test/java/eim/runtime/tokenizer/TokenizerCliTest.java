package eim.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.cli.TokenizerCommand;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
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

        Path wide = dir.resolve("wide");
        assertEquals(0, eim("scenes", "--out", wide.toString(), "--count", "2", "--width", "128", "--height", "16").code());
        Path tokens = dir.resolve("tokens.safetensors");
        Run tok = eim("tokenize", "--checkpoint", ckpt.toString(), "--out", tokens.toString(), "--width", "128", wide.toString());
        assertEquals(0, tok.code(), tok.err());
        TokenFile tf = TokenFile.read(tokens);
        assertEquals(2, tf.count());
        assertEquals(64, tf.length()); // 8x the 16-px training width, 2 px per token
        assertTrue(tf.scaled());

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
}
