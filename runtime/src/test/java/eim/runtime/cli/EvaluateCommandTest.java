package eim.runtime.cli;

import static eim.runtime.cli.Cli.eim;
import static eim.runtime.cli.Cli.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eim evaluate at toy size: a barely trained generator scores far above the real set's own floor. */
class EvaluateCommandTest {
    @Test
    void scoresAToyGeneratorAndReusesItsClassifier(@TempDir Path dir) throws Exception {
        Path images = dir.resolve("images");
        ok("tokenizer", "scenes", "--out", images.resolve("dunes").toString(), "--count", "8", "--width", "24", "--height", "16");
        ok("tokenizer", "scenes", "--out", images.resolve("forest").toString(), "--count", "8", "--width", "24", "--height", "16",
                "--first", "8");
        Path tok = dir.resolve("tokenizer.safetensors"), tokens = dir.resolve("tokens.safetensors"), gen = dir.resolve("gen");
        ok("tokenizer", "train", "--preset", "tiny", "--data", images.toString(), "--holdout", "1", "--steps", "2", "--batch", "2",
                "--out", tok.toString());
        ok("tokenize", "--checkpoint", tok.toString(), "--out", tokens.toString(), images.toString());
        ok("train", "--data", tokens.toString(), "--preset", "tiny", "--width", "32", "--depth", "2", "--heads", "4",
                "--head-width", "32", "--head-depth", "2", "--buffer", "4", "--steps", "2", "--batch", "4", "--warmup", "1",
                "--out", gen.toString());
        Path ckpt = gen.resolve("generator.safetensors"), out = dir.resolve("eval");
        Cli.Run r = ok("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(),
                "--count", "4", "--steps", "2", "--classifier-epochs", "5", "--out", out.toString());
        assertTrue(r.out().contains("Fréchet distance (classifier features) real vs generated"), r.out());
        JsonObject j = new Gson().fromJson(Files.readString(out.resolve("evaluation.json")), JsonObject.class);
        assertEquals(16, j.get("realImages").getAsInt());
        assertEquals(8, j.get("generatedImages").getAsInt());
        assertEquals(8, j.getAsJsonArray("positionFrechet").size(), "one score per token position (16 px / 2 px)");
        double fd = j.get("frechetDistance").getAsDouble(), floor = j.get("realSplitFrechetDistance").getAsDouble();
        assertTrue(Double.isFinite(fd) && Double.isFinite(floor), fd + " " + floor);
        assertTrue(fd > floor, "two training steps make images far from the data: " + fd + " vs the floor " + floor);
        double acc = j.get("generatedAccuracy").getAsDouble();
        assertTrue(acc >= 0 && acc <= 1, "accuracy " + acc);
        assertTrue(Files.exists(out.resolve("classifier.safetensors")));

        // the saved classifier gives the same scores (same seed, same samples)
        Path again = dir.resolve("again");
        ok("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(), "--count", "4",
                "--steps", "2", "--classifier", out.resolve("classifier.safetensors").toString(), "--out", again.toString());
        JsonObject k = new Gson().fromJson(Files.readString(again.resolve("evaluation.json")), JsonObject.class);
        assertEquals(fd, k.get("frechetDistance").getAsDouble(), 1e-4 * fd);
        assertFalse(Files.exists(again.resolve("classifier.safetensors")), "a given classifier is not saved again");

        // wider than trained: one score per position of the requested width
        Path wide = dir.resolve("wide");
        ok("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(), "--count", "3",
                "--steps", "1", "--tokens", "12", "--classifier", out.resolve("classifier.safetensors").toString(),
                "--out", wide.toString());
        JsonObject w = new Gson().fromJson(Files.readString(wide.resolve("evaluation.json")), JsonObject.class);
        assertEquals(12, w.getAsJsonArray("positionFrechet").size());
        assertEquals(24, w.get("width").getAsInt(), "12 tokens x 2 px");

        // ultra-long: 3 windows of the training width side by side, each scored against real images that wide
        Path longer = dir.resolve("long");
        Cli.Run lr = ok("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(),
                "--count", "3", "--steps", "1", "--tokens", "24", "--window", "8", "--save-images", "1",
                "--classifier", out.resolve("classifier.safetensors").toString(), "--out", longer.toString());
        assertTrue(lr.out().contains("per window of 8 tokens along the width"), lr.out());
        JsonObject u = new Gson().fromJson(Files.readString(longer.resolve("evaluation.json")), JsonObject.class);
        assertEquals(24, u.getAsJsonArray("positionFrechet").size());
        assertEquals(3, u.getAsJsonArray("windowFrechet").size());
        assertEquals(3, u.getAsJsonArray("windowAccuracy").size());
        assertEquals(8, u.get("windowTokens").getAsInt());
        assertEquals(48, u.get("width").getAsInt(), "24 tokens x 2 px");
        double mean = 0;
        for (var e : u.getAsJsonArray("windowFrechet")) {
            assertTrue(Double.isFinite(e.getAsDouble()) && e.getAsDouble() > 0, u.toString());
            mean += e.getAsDouble() / 3;
        }
        assertEquals(mean, u.get("frechetDistance").getAsDouble(), 1e-9 * mean, "the overall score is the windows' mean");
        for (String c : new String[] {"dunes_00.png", "forest_00.png"}) {
            var img = javax.imageio.ImageIO.read(longer.resolve("images").resolve(c).toFile());
            assertEquals(48, img.getWidth(), c);
            assertEquals(16, img.getHeight(), c);
        }
        Cli.Run bad = eim("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(),
                "--tokens", "12", "--window", "8", "--out", dir.resolve("y").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--window"), bad.err());

        // the 2D-grid baseline: patch tokens (16 px squares, 2x2 grid), full causal attention, scored through its codec
        Path grid = dir.resolve("grid.safetensors"), codec = dir.resolve("codec.safetensors"), gridGen = dir.resolve("grid-gen");
        Cli.Run gt = ok("grid-tokens", "--data", images.toString(), "--out", grid.toString(), "--codec", codec.toString(),
                "--size", "16", "--patch", "8", "--channels", "4", "--crops", "1");
        assertTrue(gt.out().contains("wrote 16 x 4 grid tokens of 4 channels (2 views each)"), gt.out());
        ok("train", "--data", grid.toString(), "--preset", "tiny", "--width", "32", "--depth", "2", "--heads", "4",
                "--head-width", "32", "--head-depth", "2", "--buffer", "4", "--steps", "2", "--batch", "4", "--warmup", "1",
                "--window", "0", "--posterior-std", "0", "--out", gridGen.toString());
        Path gridEval = dir.resolve("grid-eval");
        ok("evaluate", "--generator", gridGen.resolve("generator.safetensors").toString(), "--codec", codec.toString(),
                "--data", images.toString(), "--count", "3", "--steps", "1", "--classifier-epochs", "3", "--out",
                gridEval.toString());
        JsonObject ge = new Gson().fromJson(Files.readString(gridEval.resolve("evaluation.json")), JsonObject.class);
        assertEquals(4, ge.getAsJsonArray("positionFrechet").size(), "one score per patch");
        assertEquals(16, ge.get("width").getAsInt());
        assertTrue(Double.isFinite(ge.get("frechetDistance").getAsDouble()));
        Cli.Run both = eim("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--codec", codec.toString(),
                "--data", images.toString(), "--out", dir.resolve("z").toString());
        assertEquals(2, both.code(), both.err());
        assertTrue(both.err().contains("give --tokenizer or --codec"), both.err());

        // too few images per class for a covariance (usage); a folder without class sub-folders (one line naming it)
        assertEquals(2, eim("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(),
                "--count", "1", "--out", dir.resolve("x").toString()).code());
        Cli.Run flat = eim("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data",
                images.resolve("dunes").toString(), "--out", dir.resolve("x").toString());
        assertTrue(flat.code() != 0 && flat.err().startsWith("error: ") && flat.err().contains("dunes"), flat.err());
        assertEquals(1, flat.err().lines().count(), flat.err());
    }
}
