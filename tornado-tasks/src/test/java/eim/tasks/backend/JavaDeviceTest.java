package eim.tasks.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JavaDeviceTest {
    /**
     * A graph declared {@link TaskGraph#tasksIndependent()} runs every task exactly once per execution,
     * whole, however the cores take them: 40 arrays of 1 to 60000 elements, each doubled by its own
     * task, five executions, must hold exactly 32 times their start (a task run twice, or a part of
     * an array skipped, would not).
     */
    @Test
    void independentTasksRunOnceEachSideBySide() {
        Random rnd = new Random(3);
        int count = 40;
        float[][] start = new float[count][];
        FloatArray[] arrays = new FloatArray[count];
        TaskGraph graph = new TaskGraph("side_by_side").tasksIndependent();
        for (int i = 0; i < count; i++) {
            int n = i % 4 == 0 ? 1 + rnd.nextInt(60000) : 1 + rnd.nextInt(2000);
            start[i] = new float[n];
            for (int k = 0; k < n; k++) {
                start[i][k] = (float) rnd.nextGaussian();
            }
            arrays[i] = new FloatArray("x" + i, start[i].clone());
            graph.task("double" + i, Elementwise.SCALE, n, arrays[i], 2f, n);
        }
        try (JavaDevice device = new JavaDevice(3)) {
            for (int e = 0; e < 5; e++) {
                device.execute(graph);
            }
        }
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < start[i].length; k++) {
                assertEquals(start[i][k] * 32f, arrays[i].array()[k], "array " + i + " element " + k);
            }
        }
    }
}
