package eim.runtime.cli;

import eim.runtime.cli.Cli.Run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.train.RunDirectory;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train} and {@code tokenizer train} as a user runs them: a fresh run directory by default,
 * no silent overwrite of another run's checkpoint, one run per directory, stale temporary files
 * removed, and a loss log with each step once after a resume.
 */
class TrainOutputSafetyTest {

    static Run eim(String... args) {
        return Cli.eim(args);
    }

    @AfterEach
    void defaultRoot() {
        System.clearProperty("eim.out");
    }

    static Path tokens(Path dir) throws Exception {
        return Cli.toyTokens(dir);
    }

    /** A tiny generator, a few steps: seconds. */
    static String[] train(Path data, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data.toString(), "--width", "16", "--depth", "1",
                "--heads", "2", "--head-width", "16", "--head-depth", "1", "--buffer", "2", "--batch", "2",
                "--warmup", "1", "--log-every", "1"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static String[] tokenizerTrain(String... more) {
        List<String> a = new ArrayList<>(List.of("tokenizer", "train", "--preset", "tiny", "--synthetic", "3",
                "--holdout", "1", "--batch", "1", "--eval-every", "0"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    static List<Long> steps(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,loss,lr,grad_norm", lines.getFirst());
        return lines.subList(1, lines.size()).stream().map(x -> Long.parseLong(x.substring(0, x.indexOf(',')))).toList();
    }

    static List<Path> runs(Path root) throws Exception {
        try (Stream<Path> s = Files.list(root)) {
            return s.sorted().toList();
        }
    }

    @Test
    void withoutOutEachRunGetsAFreshDirectory(@TempDir Path dir) throws Exception {
        Path data = tokens(dir), root = dir.resolve("out");
        System.setProperty("eim.out", root.toString());
        Run a = eim(train(data, "--steps", "2"));
        assertEquals(0, a.code(), a.err());
        Run b = eim(train(data, "--steps", "2"));
        assertEquals(0, b.code(), b.err());
        List<Path> runs = runs(root.resolve("generator"));
        assertEquals(2, runs.size(), runs.toString());
        for (Path r : runs) {
            assertTrue(r.getFileName().toString().matches("run-\\d{8}-\\d{6}(-\\d+)?"), r.toString());
            assertTrue(Files.isRegularFile(r.resolve("generator.safetensors")), r.toString());
            assertEquals(List.of(0L, 1L), steps(r.resolve("loss.csv")));
        }
        assertTrue(a.out().contains("run directory: " + runs.get(0)) || a.out().contains("run directory: " + runs.get(1)),
                a.out());

        // the tokenizer alike
        Run t1 = eim(tokenizerTrain("--steps", "1")), t2 = eim(tokenizerTrain("--steps", "1"));
        assertEquals(0, t1.code(), t1.err());
        assertEquals(0, t2.code(), t2.err());
        List<Path> tok = runs(root.resolve("tokenizer"));
        assertEquals(2, tok.size(), tok.toString());
        for (Path r : tok) {
            assertTrue(Files.isRegularFile(r.resolve("tokenizer.safetensors")), r.toString());
        }
    }

    @Test
    void anotherRunsCheckpointIsNeverOverwritten(@TempDir Path dir) throws Exception {
        Path data = tokens(dir), out = dir.resolve("gen"), ckpt = out.resolve("generator.safetensors");
        assertEquals(0, eim(train(data, "--steps", "2", "--out", out.toString())).code());
        byte[] before = Files.readAllBytes(ckpt);

        Run refused = eim(train(data, "--steps", "2", "--seed", "5", "--out", out.toString()));
        assertEquals(2, refused.code(), refused.err());
        assertEquals(1, refused.err().strip().lines().count(), "one line: " + refused.err());
        assertTrue(refused.err().startsWith("error: " + ckpt) && refused.err().contains("--resume " + ckpt)
                && refused.err().contains("--force"), refused.err());
        assertArrayEquals(before, Files.readAllBytes(ckpt), "the checkpoint is untouched");
        assertEquals(List.of(0L, 1L), steps(out.resolve("loss.csv")), "the loss log too");

        Run resumed = eim(train(data, "--steps", "3", "--out", out.toString(), "--resume", ckpt.toString()));
        assertEquals(0, resumed.code(), resumed.err());
        Run resumedInPlace = eim(train(data, "--steps", "4", "--resume", ckpt.toString()));
        assertEquals(0, resumedInPlace.code(), resumedInPlace.err());
        assertTrue(resumedInPlace.out().contains("run directory: " + out), "resumes where the checkpoint is: " + resumedInPlace.out());
        assertEquals(List.of(0L, 1L, 2L, 3L), steps(out.resolve("loss.csv")));

        Run forced = eim(train(data, "--steps", "2", "--seed", "5", "--out", out.toString(), "--force"));
        assertEquals(0, forced.code(), forced.err());
        assertEquals(List.of(0L, 1L), steps(out.resolve("loss.csv")), "a forced fresh run starts a new log");

        // tokenizer train: an existing --out file is refused unless --resume or --force
        Path tok = dir.resolve("tok").resolve("t.safetensors");
        assertEquals(0, eim(tokenizerTrain("--steps", "1", "--out", tok.toString())).code());
        byte[] tokBefore = Files.readAllBytes(tok);
        Run tokRefused = eim(tokenizerTrain("--steps", "1", "--out", tok.toString()));
        assertEquals(2, tokRefused.code(), tokRefused.err());
        assertTrue(tokRefused.err().startsWith("error: " + tok) && tokRefused.err().contains("--resume")
                && tokRefused.err().contains("--force"), tokRefused.err());
        assertArrayEquals(tokBefore, Files.readAllBytes(tok));
        assertEquals(0, eim(tokenizerTrain("--steps", "2", "--out", tok.toString(), "--resume")).code());
        assertEquals(0, eim(tokenizerTrain("--steps", "1", "--out", tok.toString(), "--force")).code());
        Run noOut = eim(tokenizerTrain("--steps", "1", "--resume"));
        assertEquals(2, noOut.code());
        assertTrue(noOut.err().contains("--resume") && noOut.err().contains("--out"), noOut.err());
    }

    @Test
    void aSecondRunOnALockedDirectoryIsRefused(@TempDir Path dir) throws Exception {
        Path data = tokens(dir), out = Files.createDirectories(dir.resolve("gen"));
        Path tokDir = Files.createDirectories(dir.resolve("tok"));
        for (Path d : List.of(out, tokDir)) {
            try (FileChannel ch = FileChannel.open(d.resolve(RunDirectory.LOCK_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock held = ch.lock()) {
                Run r = d == out ? eim(train(data, "--steps", "2", "--out", out.toString()))
                        : eim(tokenizerTrain("--steps", "1", "--out", d.resolve("t.safetensors").toString()));
                assertEquals(1, r.code(), r.err());
                assertTrue(r.err().startsWith("error: " + d) && r.err().contains("another training run"), r.err());
                assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            }
        }
        assertFalse(Files.exists(out.resolve("generator.safetensors")) || Files.exists(out.resolve("loss.csv")),
                "nothing written while refused");
        assertFalse(Files.exists(tokDir.resolve("t.safetensors")));
        assertEquals(0, eim(train(data, "--steps", "2", "--out", out.toString())).code(), "free again after the holder ends");
    }

    @Test
    void staleTemporariesFromAKilledRunAreRemoved(@TempDir Path dir) throws Exception {
        Path data = tokens(dir), out = Files.createDirectories(dir.resolve("gen"));
        Path stale = Files.writeString(out.resolve(".generator.safetensors4417093321.tmp"), "half written");
        Path unrelated = Files.writeString(out.resolve(".somebody-else.bin123.tmp"), "not ours");
        Run r = eim(train(data, "--steps", "1", "--out", out.toString()));
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(unrelated));

        Path tokDir = Files.createDirectories(dir.resolve("tok"));
        Path tokStale = Files.writeString(tokDir.resolve(".t.safetensors99.tmp"), "half written");
        assertEquals(0, eim(tokenizerTrain("--steps", "1", "--out", tokDir.resolve("t.safetensors").toString())).code());
        assertFalse(Files.exists(tokStale));
    }

    /** The default peak rate is 1e-3; --blr gives the authors' lr = blr * batch / 256; not both. */
    @Test
    void learningRateDefaultAndTheAuthorsRecipe(@TempDir Path dir) throws Exception {
        Path data = tokens(dir);
        assertEquals(0, eim(train(data, "--steps", "1", "--out", dir.resolve("a").toString())).code());
        var meta = SafeTensors.read(dir.resolve("a/generator.safetensors")).metadata();
        assertEquals(1e-3f, Float.parseFloat(meta.get("train.lr")), 1e-9f);
        assertEquals(0, eim(train(data, "--steps", "1", "--blr", "1e-4", "--out", dir.resolve("b").toString())).code());
        meta = SafeTensors.read(dir.resolve("b/generator.safetensors")).metadata();
        assertEquals(1e-4f * 2 / 256, Float.parseFloat(meta.get("train.lr")), 1e-12f, "batch 2");
        Run both = eim(train(data, "--steps", "1", "--lr", "1e-3", "--blr", "1e-4", "--out", dir.resolve("c").toString()));
        assertEquals(2, both.code());
        assertTrue(both.err().contains("--lr") && both.err().contains("--blr"), both.err());
        Run zero = eim(train(data, "--steps", "1", "--lr", "0", "--out", dir.resolve("c").toString()));
        assertEquals(2, zero.code());
        assertTrue(zero.err().startsWith("error: --lr:"), zero.err());
        assertFalse(Files.exists(dir.resolve("c")), "nothing written for a usage error");
        Run help = eim("train", "--help");
        assertTrue(help.out().replaceAll("\\s+", " ").contains("(default 0.001:"), help.out());
    }

    /** A run stopped after its checkpoint at step 2 had logged steps 2 and 3; the resumed run logs them again. */
    @Test
    void afterAResumeTheLossLogHasEachStepOnce(@TempDir Path dir) throws Exception {
        Path data = tokens(dir), out = dir.resolve("gen"), ckpt = out.resolve("generator.safetensors");
        assertEquals(0, eim(train(data, "--steps", "2", "--out", out.toString())).code());
        Path csv = out.resolve("loss.csv");
        Files.writeString(csv, "2,0.5,0.001,1.0\n3,0.4,0.001,1.0\n4,0.", StandardOpenOption.APPEND);
        Run r = eim(train(data, "--steps", "5", "--out", out.toString(), "--resume", ckpt.toString()));
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), steps(csv));
        assertFalse(Files.readString(csv).contains("2,0.5,0.001,1.0"), "the stopped run's rows after its checkpoint are gone");
    }
}
