package eim.tasks.example;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Proves the worked example of KERNELS.md: the kernel as written there runs in a task graph on every backend. */
class WorkedExampleTest {
    static final int N = 1001;

    @Test
    void softplusRunsInATaskGraphOnEveryBackend() {
        Random r = new Random(7);
        float[] x0 = randn("x", N, r).array();
        for (int i = 0; i < N; i += 97) {
            x0[i] *= 40; // some large |x| to reach the overflow branch
        }
        for (Device d : devices()) {
            FloatArray x = new FloatArray("x", x0.clone()), y = new FloatArray("y", N);
            TaskGraph g = new TaskGraph("example")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                    .task("softplus", Softplus.FORWARD, N, x, y, 1.5f, N)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
            try (ExecutionPlan plan = new ExecutionPlan(d, g)) {
                plan.execute();
            }
            float[] expected = new float[N];
            for (int i = 0; i < N; i++) {
                double z = 1.5 * x0[i];
                expected[i] = (float) ((z > 20 ? z : Math.log1p(Math.exp(z))) / 1.5);
            }
            assertCloseToScale("softplus on " + d.name(), y.array(), expected, 1e-5);
        }
    }

    @Test
    void backendsMatchPortableBody() {
        assertParity(Softplus.FORWARD, new int[] {N}, randn("x", N, new Random(3)), zeros("y", N), 0.7f, N);
    }

    /** Arguments are checked against the method's parameters when the task is declared, with the task's name. */
    @Test
    void argumentsThatDoNotFitFailAtDeclaration() {
        FloatArray x = zeros("x", N), y = zeros("y", N);
        var wrongType = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("softplus", Softplus.FORWARD, N, x, y, 1, N));
        assertTrue(wrongType.getMessage().contains("g.softplus") && wrongType.getMessage().contains("argument 2")
                && wrongType.getMessage().contains("float"), wrongType.getMessage());
        var param = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("softplus", Softplus.FORWARD, N, x, y, new eim.tasks.FloatParam(1f), N));
        assertTrue(param.getMessage().contains("array parameter read at [0]"), param.getMessage());
        var count = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("softplus", Softplus.FORWARD, N, x, y, 1f));
        assertTrue(count.getMessage().contains("takes 4 arguments"), count.getMessage());
    }

    /** KERNELS.md shows this file's code verbatim, so the documentation cannot drift from what is tested. */
    @Test
    void kernelsMdShowsThisCode() throws Exception {
        String doc = Files.readString(Path.of("KERNELS.md"));
        String code = Files.readString(Path.of("src/test/java/eim/tasks/example/Softplus.java"));
        String body = code.substring(code.indexOf("public final class Softplus"));
        assertTrue(doc.contains(body.strip()), "KERNELS.md must show Softplus.java's class verbatim");
    }
}
