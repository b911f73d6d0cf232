package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.train.TrainOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --loss-positions: the loss over some positions only; the spec's forms and its errors. */
class LossPositionsOptionTest {
    @Test
    void parsesEveryForm() {
        assertNull(TrainOptions.parseLossPositions("all", 4));
        assertArrayEquals(new boolean[] {true, false, true, false, true}, TrainOptions.parseLossPositions("even", 5));
        assertArrayEquals(new boolean[] {false, true, false, true, false}, TrainOptions.parseLossPositions("odd", 5));
        assertArrayEquals(new boolean[] {true, true, false, true, false}, TrainOptions.parseLossPositions("0-1, 3", 5));
        for (String bad : new String[] {"0-9", "3-1", "x", "1-2-3", "-1", "odd"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> TrainOptions.parseLossPositions(bad, 1), bad);
            assertTrue(e.getMessage().startsWith("--loss-positions: "), e.getMessage());
        }
    }

    @Test
    void trainsWithTheLossOverEvenPositions(@TempDir Path dir) throws Exception {
        Path data = TrainOutputSafetyTest.tokens(dir);
        Cli.ok(TrainOutputSafetyTest.train(data, "--steps", "2", "--loss-positions", "even", "--out", dir.resolve("e").toString()));
        assertTrue(Files.exists(dir.resolve("e").resolve("generator.safetensors")));
        var r = TrainOutputSafetyTest.eim(TrainOutputSafetyTest.train(data, "--steps", "2", "--loss-positions", "4-5",
                "--out", dir.resolve("x").toString()));
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--loss-positions: '4-5' is not a range of positions in [0, 4)"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(!Files.exists(dir.resolve("x").resolve("generator.safetensors")));
    }
}
