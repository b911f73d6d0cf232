package eim.runtime.cli;

import static eim.runtime.cli.GenerateCommandTest.resource;
import static eim.runtime.cli.GenerateCommandTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.io.SafeTensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sample through the shared generator --checkpoint option (ours or the authors' .ckpt) and --cfg-schedule. */
class SampleCommandTest {
    static final String[] COMMON = {"--labels", "1,4", "--length", "4", "--steps", "2", "--cfg", "2", "--seed", "3"};

    static String[] args(String... first) {
        return Stream.concat(Arrays.stream(first), Arrays.stream(COMMON)).toArray(String[]::new);
    }

    @Test
    void readsTheAuthorsCheckpointLikeOursAndAppliesTheSchedule(@TempDir Path dir) throws Exception {
        Path ours = dir.resolve("g.safetensors");
        assertEquals(0, run("import", resource("generator_tiny.ckpt"), ours.toString(), "--heads", "2")[0]);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors"), c = dir.resolve("c.safetensors");
        Object[] r = run(args("sample", "--checkpoint", ours.toString(), "--out", a.toString()));
        assertEquals(0, r[0], (String) r[1]);
        r = run(args("sample", "--checkpoint", resource("generator_tiny.ckpt"), "--heads", "2", "--out", b.toString()));
        assertEquals(0, r[0], (String) r[1]);
        r = run(args("sample", "--checkpoint", ours.toString(), "--cfg-schedule", "constant", "--out", c.toString()));
        assertEquals(0, r[0], (String) r[1]);

        SafeTensors.Contents x = SafeTensors.read(a), y = SafeTensors.read(b), z = SafeTensors.read(c);
        float[] tokens = x.tensors().get("tokens").floats();
        // the same to rounding (the JIT may compile a Vector API lane sum between the runs, changing its order)
        assertTrue(Cli.relativeError(y.tensors().get("tokens").floats(), tokens) < 1e-5, "the .ckpt and its import sample the same tokens");
        assertEquals(x.metadata().get("weights"), y.metadata().get("weights"), "the same weights (EMA where present)");
        assertEquals("linear", x.metadata().get("cfg_schedule"));
        assertEquals("constant", z.metadata().get("cfg_schedule"));
        assertTrue(Cli.relativeError(z.tensors().get("tokens").floats(), tokens) > 1e-3, "the constant schedule changes the tokens");
    }

    @Test
    void anUnknownScheduleIsAOneLineError(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("s.safetensors");
        Object[] r = run(args("sample", "--checkpoint", resource("generator_tiny.ckpt"), "--heads", "2", "--cfg-schedule",
                "cosine", "--out", out.toString()));
        assertNotEquals(0, r[0]);
        String err = ((String) r[1]).strip();
        assertTrue(err.startsWith("error: --cfg-schedule must be linear or constant, got cosine"), err);
        assertEquals(1, err.lines().count(), err);
        assertFalse(Files.exists(out));
    }
}
