package eim.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {
    static final String CKPT = "generator.safetensors";

    @Test
    void freshDirectoriesAreNewAndNamedByTheStartTime(@TempDir Path base) throws Exception {
        LocalDateTime t = LocalDateTime.of(2025, 1, 2, 3, 4, 5);
        Path a = RunDirectory.fresh(base.resolve("generator"), t), b = RunDirectory.fresh(base.resolve("generator"), t);
        assertEquals(base.resolve("generator/run-20250102-030405"), a);
        assertEquals(base.resolve("generator/run-20250102-030405-2"), b, "a second run of the same second");
        assertTrue(Files.isDirectory(a) && Files.isDirectory(b));
    }

    @Test
    void aSecondRunInThisJvmIsRefusedUntilTheFirstEnds(@TempDir Path dir) throws Exception {
        try (RunDirectory first = RunDirectory.open(dir, CKPT, null, false, "give --resume")) {
            RunDirectory.Refused e = assertThrows(RunDirectory.Refused.class,
                    () -> RunDirectory.open(dir, CKPT, null, false, "give --resume"));
            assertEquals(1, e.exitCode());
            assertTrue(e.getMessage().contains("another training run") && e.getMessage().contains(RunDirectory.LOCK_FILE),
                    e.getMessage());
        }
        try (RunDirectory again = RunDirectory.open(dir, CKPT, null, false, "give --resume")) {
            assertEquals(dir, again.dir());
        }
    }

    /** The lock as another process holds it (FileChannel.tryLock returns null rather than throwing). */
    @Test
    void aSecondRunInAnotherProcessIsRefused(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("Hold.java");
        Files.writeString(src, """
                import java.nio.channels.FileChannel;
                import java.nio.file.Path;
                import java.nio.file.StandardOpenOption;
                public class Hold {
                    public static void main(String[] a) throws Exception {
                        try (FileChannel c = FileChannel.open(Path.of(a[0]), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                             var lock = c.lock()) {
                            System.out.println("locked");
                            System.out.flush();
                            System.in.read();
                        }
                    }
                }
                """);
        Path run = Files.createDirectories(dir.resolve("run"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), src.toString(), run.resolve(RunDirectory.LOCK_FILE).toString())
                .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            RunDirectory.Refused e = assertThrows(RunDirectory.Refused.class,
                    () -> RunDirectory.open(run, CKPT, null, false, "give --resume"));
            assertEquals(1, e.exitCode());
            assertTrue(e.getMessage().contains("another training run"), e.getMessage());
            p.getOutputStream().close(); // the holder ends, and the OS drops its lock
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        try (RunDirectory again = RunDirectory.open(run, CKPT, null, false, "give --resume")) {
            assertEquals(run, again.dir());
        }
    }

    @Test
    void anotherRunsCheckpointIsRefusedUnlessResumedOrForced(@TempDir Path dir) throws Exception {
        Path ckpt = Files.writeString(dir.resolve(CKPT), "another run's model");
        Path other = Files.writeString(dir.resolve("other.safetensors"), "x");
        RunDirectory.Refused e = assertThrows(RunDirectory.Refused.class,
                () -> RunDirectory.open(dir, CKPT, null, false, "give --resume " + ckpt));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith(ckpt.toString()) && e.getMessage().contains("give --resume " + ckpt)
                && e.getMessage().contains("--force"), e.getMessage());
        assertThrows(RunDirectory.Refused.class, () -> RunDirectory.open(dir, CKPT, other, false, "give --resume"),
                "resuming another checkpoint does not license replacing this one");
        try (RunDirectory r = RunDirectory.open(dir, CKPT, dir.resolve(".").resolve(CKPT), false, "give --resume")) {
            assertEquals(dir, r.dir());
        }
        try (RunDirectory r = RunDirectory.open(dir, CKPT, null, true, "give --resume")) {
            assertEquals(dir, r.dir());
        }
        assertEquals("another run's model", Files.readString(ckpt), "opening writes nothing");
        // the refusals released the lock
        try (RunDirectory r = RunDirectory.open(dir, "new.safetensors", null, false, "give --resume")) {
            assertEquals(dir, r.dir());
        }
    }

    @Test
    void staleTemporariesOfTheRunsOutputsAreRemoved(@TempDir Path dir) throws Exception {
        // AtomicFiles writes "<dir>/.<name><random digits>.tmp" and renames it; a killed run leaves it
        Path a = Files.writeString(dir.resolve("." + CKPT + "8120937465.tmp"), "half a checkpoint");
        Path b = Files.writeString(dir.resolve(".loss.csv77.tmp"), "step");
        Path foreign = Files.writeString(dir.resolve(".notes.txt123.tmp"), "not ours");
        Path lookalike = Files.writeString(dir.resolve("." + CKPT + "backup.tmp"), "not AtomicFiles' naming");
        try (RunDirectory r = RunDirectory.open(dir, CKPT, null, false, "give --resume", "loss.csv")) {
            assertEquals(List.of(a, b).stream().sorted().toList(), r.removedTemporaries().stream().sorted().toList());
        }
        assertFalse(Files.exists(a) || Files.exists(b));
        assertTrue(Files.exists(foreign) && Files.exists(lookalike));
    }

    @Test
    void lossLogKeepsTheStepsBeforeTheResumePointOnly(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("loss.csv");
        RunDirectory.trimLossLog(csv, 3, "step,loss");
        assertEquals("step,loss\n", Files.readString(csv), "a missing log gets the header");
        Files.writeString(csv, "step,loss\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n4,0.6\n5,0.");
        RunDirectory.trimLossLog(csv, 4, "step,loss");
        assertEquals("step,loss\n0,1.0\n1,0.9\n2,0.8\n3,0.7\n", Files.readString(csv));
        RunDirectory.trimLossLog(csv, 0, "step,loss");
        assertEquals("step,loss\n", Files.readString(csv), "a fresh run starts a new log");
    }
}
