package eim.runtime.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.GeneratorCheckpoint;
import eim.model.io.TokenFile;
import eim.runtime.cli.Main;
import eim.runtime.data.panorama.PanoramaGenerator;
import eim.model.io.TokenizerCheckpoint;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole demo at toy size: every artefact of the report exists, decodes at its size and is referenced. */
class DemoPipelineTest {

    /** Width and height of an {@code Images.grid} of cols x rows tiles of w x h with 2-pixel margins. */
    private static int[] grid(int cols, int rows, int w, int h) {
        return new int[] {2 + cols * (w + 2), 2 + rows * (h + 2)};
    }

    @Test
    void toyRunWritesTheCompleteReportAndASecondRunReusesTheModels(@TempDir Path dir) throws Exception {
        DemoConfig c = DemoConfig.toy().withOut(dir);
        int h = c.height(), classes = DemoConfig.CLASSES, panoramaWidth = c.panoramaTokens() * c.tokenizer().scale();
        assertEquals(16, h);
        assertEquals(64, panoramaWidth, "toy panoramas: 4 x 8 tokens of 2 px");

        DemoPipeline.Result result = new DemoPipeline(c).run();

        Map<String, int[]> expected = new LinkedHashMap<>();
        expected.put("figures/data.png", grid(Math.min(Figures.DATA_PER_CLASS, c.imagesPerClass()), classes, c.trainWidth(), h));
        expected.put("figures/reconstructions.png", grid(2 * c.heldOutPerClass(), classes, c.trainWidth(), h));
        expected.put("figures/samples-cfg1.png", grid(c.samplesPerClass(), classes, h, h));
        expected.put("figures/samples-cfg3.png", grid(c.samplesPerClass(), classes, h, h));
        expected.put("figures/panoramas.png", grid(1, classes, panoramaWidth, h));
        expected.put("figures/panoramas-real.png", grid(1, classes, panoramaWidth, h));
        expected.put("figures/tokenizer-loss.png", new int[] {800, 400});
        expected.put("figures/generator-loss.png", new int[] {800, 400});

        Path report = dir.resolve("report.html");
        assertEquals(report, result.report());
        String html = Files.readString(report);
        for (var e : expected.entrySet()) {
            Path file = dir.resolve(e.getKey());
            assertTrue(Files.isRegularFile(file), "missing " + file);
            BufferedImage image = ImageIO.read(file.toFile());
            assertNotNull(image, file + " does not decode as an image");
            assertEquals(e.getValue()[0], image.getWidth(), file + " width");
            assertEquals(e.getValue()[1], image.getHeight(), file + " height");
            assertTrue(html.contains("src=\"" + e.getKey() + "\""), "report.html does not show " + e.getKey());
        }
        assertEquals(expected.size(), result.figures().size(), "figures " + result.figures().keySet());
        assertTrue(result.figures().values().stream().allMatch(p -> expected.containsKey(dir.relativize(p).toString())),
                "unexpected figures " + result.figures().values());
        assertTrue(!html.contains("missing image"), "report.html names a missing image");
        for (String section : new String[] {"Stage 1: column tokenizer", "Stage 2: generator", "Class-conditional samples",
                "Ultra-long panoramas", "timings", "settings", "held-out PSNR", "vae_norm"}) {
            assertTrue(html.contains(section), "report.html lacks '" + section + "'");
        }

        // the trained models are kept; a second run reuses them instead of training again
        Path tokenizer = dir.resolve("tokenizer.safetensors"), generator = dir.resolve("generator/generator.safetensors");
        Path tokens = dir.resolve("tokens.safetensors");
        for (Path p : new Path[] {tokenizer, generator, tokens, dir.resolve("tokenizer-loss.csv"), dir.resolve("generator/loss.csv")}) {
            assertTrue(Files.isRegularFile(p), "missing " + p);
        }
        // every model file states the vae_norm the tokens were scaled with, and it is the same one
        float vaeNorm = TokenizerCheckpoint.config(tokenizer).vaeNorm();
        assertNotEquals(c.tokenizer().vaeNorm(), vaeNorm, "the tokenizer checkpoint records the measured vae_norm");
        TokenFile tf = TokenFile.read(tokens);
        assertEquals(vaeNorm, tf.vaeNorm());
        assertEquals(2 * DemoConfig.VIEW_CROPS, tf.viewCount());
        assertEquals(PanoramaGenerator.Scene.names(), tf.classNames());
        assertEquals(c.tokensPerImage(), tf.length());
        assertEquals(vaeNorm, GeneratorCheckpoint.load(generator).vaeNorm());
        // the demo's token file decodes with the CLI
        Path png = dir.resolve("window0.png");
        assertEquals(0, Main.run("decode", "--checkpoint", tokenizer.toString(), "--tokens", tokens.toString(), "--index", "0",
                "--out", png.toString()));
        assertEquals(h, ImageIO.read(png.toFile()).getWidth(), "one window: " + c.tokensPerImage() + " tokens");

        FileTime tokenizerTime = Files.getLastModifiedTime(tokenizer), generatorTime = Files.getLastModifiedTime(generator);
        new DemoPipeline(c).run();
        assertEquals(tokenizerTime, Files.getLastModifiedTime(tokenizer), "the tokenizer was trained again");
        assertEquals(generatorTime, Files.getLastModifiedTime(generator), "the generator was trained again");
        assertTrue(Files.readString(report).contains("in an earlier run: reused"), "the second report does not say it reused the models");
    }
}
