package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.GeneratorCheckpoint;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --shift-range: the RoPE shift range of training, recorded in the checkpoint's config. */
class ShiftRangeOptionTest {
    @Test
    void recordedInTheCheckpointAndValidated(@TempDir Path dir) throws Exception {
        Path data = TrainOutputSafetyTest.tokens(dir);
        Cli.ok(TrainOutputSafetyTest.train(data, "--steps", "2", "--shift-range", "64", "--out", dir.resolve("s").toString()));
        assertEquals(64, GeneratorCheckpoint.load(dir.resolve("s").resolve("generator.safetensors")).config().shiftRange());
        var r = TrainOutputSafetyTest.eim(TrainOutputSafetyTest.train(data, "--steps", "2", "--shift-range", "0", "--out",
                dir.resolve("z").toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--shift-range: must be >= 1, got 0"), r.err());
    }
}
