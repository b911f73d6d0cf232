package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * train --workers/--master without the distributed module on the class path (runtime alone): a
 * clear error, no checkpoint; bad values are usage errors. The module's own CLI test trains with it.
 */
class TrainWorkersOptionTest {
    @Test
    void workersNeedTheDistributedModule(@TempDir Path dir) throws Exception {
        Path data = TrainOutputSafetyTest.tokens(dir);
        var r = TrainOutputSafetyTest.eim(TrainOutputSafetyTest.train(data, "--steps", "2", "--workers", "2", "--out",
                dir.resolve("w").toString()));
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("error: --workers, --master: this eim has no distributed trainer"), r.err());
        assertFalse(Files.exists(dir.resolve("w").resolve("generator.safetensors")));

        r = TrainOutputSafetyTest.eim(TrainOutputSafetyTest.train(data, "--steps", "2", "--workers", "0"));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("error: --workers: must be >= 1, got 0"), r.err());
        r = TrainOutputSafetyTest.eim(TrainOutputSafetyTest.train(data, "--steps", "2", "--workers", "3")); // batch 2
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("more workers than --batch 2"), r.err());
    }
}
