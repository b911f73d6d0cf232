package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.io.GeneratorCheckpoint;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** eim train --workers 2 with the distributed module on the class path: Spark's local mode, then --resume. */
class TrainWorkersCliTest {
    static Cli.Run eim(String... args) {
        return Cli.eim(args);
    }

    static String[] train(Path data, Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--width", "16", "--depth",
                "1", "--heads", "2", "--head-width", "16", "--head-depth", "1", "--buffer", "2", "--batch", "4",
                "--warmup", "1", "--log-every", "1", "--checkpoint-every", "2", "--workers", "2", "--out", out.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void trainsWithTwoWorkersAndResumes(@TempDir Path dir) throws Exception {
        Path data = Cli.toyTokens(dir);

        Path out = dir.resolve("run");
        Cli.Run a = eim(train(data, out, "--steps", "3"));
        assertEquals(0, a.code(), a.err());
        Path ck = out.resolve("generator.safetensors");
        assertEquals(3, GeneratorCheckpoint.load(ck).step());
        Cli.Run b = eim(train(data, out, "--steps", "5", "--resume", ck.toString()));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("resuming at step 3"), b.out());
        assertEquals(5, GeneratorCheckpoint.load(ck).step());
        List<String> rows = Files.readAllLines(out.resolve("loss.csv"));
        assertEquals(List.of("step", "0", "1", "2", "3", "4"), rows.stream().map(x -> x.split(",")[0]).toList());
    }
}
