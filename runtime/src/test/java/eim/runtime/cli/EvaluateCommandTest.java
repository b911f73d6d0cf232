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

        // too few images per class for a covariance (usage); a folder without class sub-folders (one line naming it)
        assertEquals(2, eim("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data", images.toString(),
                "--count", "1", "--out", dir.resolve("x").toString()).code());
        Cli.Run flat = eim("evaluate", "--generator", ckpt.toString(), "--tokenizer", tok.toString(), "--data",
                images.resolve("dunes").toString(), "--out", dir.resolve("x").toString());
        assertTrue(flat.code() != 0 && flat.err().startsWith("error: ") && flat.err().contains("dunes"), flat.err());
        assertEquals(1, flat.err().lines().count(), flat.err());
    }
}
