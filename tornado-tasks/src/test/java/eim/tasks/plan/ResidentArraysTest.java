package eim.tasks.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;
import eim.tasks.testing.KernelHarness;
import org.junit.jupiter.api.Test;

/**
 * FIRST_EXECUTION arrays on every backend: read-only weights sent once and re-sent on request,
 * device-written state read back on request, and the declaration rules enforced.
 */
class ResidentArraysTest {
    @Test
    void weightsSentOnceStateKeptOnTheDevice() {
        for (Device dev : KernelHarness.devices()) {
            weightsSentOnceStateKeptOnTheDeviceOn(dev);
        }
    }

    private static void weightsSentOnceStateKeptOnTheDeviceOn(Device dev) {
        int n = 37;
        FloatArray w = new FloatArray("w", n), x = new FloatArray("x", n), y = new FloatArray("y", n);
        FloatArray state = new FloatArray("state", n);
        w.fill(2f);
        // apply: y = x, y += w (w read-only, resident); accumulate: state += y (state resident, written)
        TaskGraph apply = new TaskGraph("apply").transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("copy", Elementwise.COPY, n, x, 0, y, 0, n)
                .task("add", Elementwise.ADD_INPLACE, n, y, w, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        TaskGraph accumulate = new TaskGraph("accumulate").transferToDevice(DataTransferMode.FIRST_EXECUTION, state)
                .task("acc", Elementwise.ADD_INPLACE, n, state, y, n);
        try (ExecutionPlan plan = new ExecutionPlan(dev, apply, accumulate)) {
            for (int step = 1; step <= 3; step++) {
                x.fill(step);
                plan.execute();
                assertEquals(step + 2f, y.get(n - 1), dev.name() + ": y at step " + step);
            }
            plan.transferToHost(state);
            assertEquals(3f + 4f + 5f, state.get(0), dev.name() + ": state read back");
            // new weights from the host: announced, then used
            w.fill(10f);
            plan.transferToDevice(w);
            x.fill(1f);
            plan.execute();
            assertEquals(11f, y.get(5), dev.name() + ": new weights after transferToDevice");
            plan.transferToHost(state);
            assertEquals(12f + 11f, state.get(n - 1), dev.name() + ": state survives the rebuild");
            if (!dev.hostMemory()) {
                // sent once: an unannounced host change does not reach the device (on the java
                // backend the checker reports it instead: unannouncedHostChangeIsReported)
                w.fill(100f);
                plan.execute();
                assertEquals(11f, y.get(0), dev.name() + ": weights are not sent again");
            }
            plan.free();
        }
    }

    /**
     * Graph-local arrays (used by one graph, named in no transfer) live on the device: state kept
     * there survives executions, comes back only on request, and a host change reaches the device
     * only when announced; the transfer report counts them as resident.
     */
    @Test
    void graphLocalArraysLiveOnTheDevice() {
        for (Device dev : KernelHarness.devices()) {
            graphLocalArraysLiveOnTheDeviceOn(dev);
        }
    }

    private static void graphLocalArraysLiveOnTheDeviceOn(Device dev) {
        int n = 19;
        FloatArray x = new FloatArray("x", n), y = new FloatArray("y", n);
        FloatArray scratch = new FloatArray("scratch", n), total = new FloatArray("total", n);
        // step: scratch = x; scratch += x; total += scratch; y = total (x in, y out; scratch, total local)
        TaskGraph step = new TaskGraph("step").transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("copy", Elementwise.COPY, n, x, 0, scratch, 0, n)
                .task("double", Elementwise.ADD_INPLACE, n, scratch, x, n)
                .task("acc", Elementwise.ADD_INPLACE, n, total, scratch, n)
                .task("out", Elementwise.COPY, n, total, 0, y, 0, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        try (ExecutionPlan plan = new ExecutionPlan(dev, step)) {
            var report = plan.transfers().getFirst();
            assertEquals(2, report.localArrays(), dev.name() + ": " + report);
            assertEquals(2L * 4 * n, report.localBytes(), dev.name() + ": " + report);
            assertEquals(2L * 4 * n, report.carriedBytes(), dev.name() + ": only x and y are carried: " + report);
            for (int i = 1; i <= 3; i++) {
                x.fill(i);
                plan.execute();
            }
            assertEquals(2f * (1 + 2 + 3), y.get(n - 1), dev.name() + ": total kept between executions");
            if (!dev.hostMemory()) {
                assertEquals(0f, total.get(0), dev.name() + ": a graph-local array stays on the device");
            }
            plan.transferToHost(total, scratch);
            assertEquals(12f, total.get(3), dev.name() + ": read back on request");
            assertEquals(6f, scratch.get(3), dev.name() + ": read back on request");
            total.fill(100f);
            plan.transferToDevice(total);
            x.fill(1f);
            plan.execute();
            assertEquals(102f, y.get(0), dev.name() + ": announced host change used");
            plan.free();
        }
    }

    /**
     * A graph-local array lives on its plan's device: another plan that uses it would read a stale
     * host copy, so the checker (java backend) refuses it; freeing the first plan ends its claim.
     */
    @Test
    void graphLocalArrayUsedByAnotherPlanIsReported() {
        Device dev = KernelHarness.java();
        int n = 8;
        FloatArray x = new FloatArray("x", n), w = new FloatArray("w", n), y = new FloatArray("y", n);
        // plan A updates w (graph-local there: in no transfer); plan B reads w
        TaskGraph update = new TaskGraph("update").transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("acc", Elementwise.ADD_INPLACE, n, w, x, n);
        TaskGraph use = new TaskGraph("use").task("copy", Elementwise.COPY, n, w, 0, y, 0, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        ExecutionPlan a = new ExecutionPlan(dev, update);
        try (ExecutionPlan b = new ExecutionPlan(dev, use)) {
            a.execute();
            var e = assertThrows(IllegalStateException.class, b::execute);
            assertTrue(e.getMessage().contains("plan use uses array w, which is graph-local in plan update"), e.getMessage());
            a.free();
            b.execute();
            b.free();
        }
    }

    /** On the java backend the checker reports a host change to a graph-local array that was not announced. */
    @Test
    void unannouncedChangeToGraphLocalArrayIsReported() {
        Device dev = KernelHarness.java();
        int n = 8;
        FloatArray x = new FloatArray("x", n), total = new FloatArray("total", n);
        TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("acc", Elementwise.ADD_INPLACE, n, total, x, n);
        try (ExecutionPlan plan = new ExecutionPlan(dev, g)) {
            plan.execute();
            total.set(2, 5f);
            var e = assertThrows(IllegalStateException.class, plan::execute);
            assertTrue(e.getMessage().contains("graph-local array total"), e.getMessage());
            plan.free();
        }
    }

    /**
     * The checker (on in the tests, on the java backend where host arrays are the device memory): a
     * host change without transferToDevice is an error.
     */
    @Test
    void unannouncedHostChangeIsReported() {
        for (Device dev : KernelHarness.devices()) {
            unannouncedHostChangeIsReportedOn(dev);
        }
    }

    private static void unannouncedHostChangeIsReportedOn(Device dev) {
        assertTrue(Boolean.getBoolean("eim.checkTransfers"), "the tests run with -Deim.checkTransfers=true");
        if (!dev.hostMemory()) {
            return;
        }
        int n = 8;
        FloatArray w = new FloatArray("w", n), y = new FloatArray("y", n);
        TaskGraph g = new TaskGraph("g").transferToDevice(DataTransferMode.FIRST_EXECUTION, w)
                .task("copy", Elementwise.COPY, n, w, 0, y, 0, n);
        try (ExecutionPlan plan = new ExecutionPlan(dev, g)) {
            plan.execute();
            w.set(3, 1f);
            var e = assertThrows(IllegalStateException.class, plan::execute);
            assertTrue(e.getMessage().contains("FIRST_EXECUTION array w changed on the host"), e.getMessage());
            plan.free();
        }
    }

    /** Two graphs using an array that one of them writes: reported (each may hold its own copy). */
    @Test
    void writtenResidentArrayInTwoGraphsIsReported() {
        for (Device dev : KernelHarness.devices()) {
            writtenResidentArrayInTwoGraphsIsReportedOn(dev);
        }
    }

    private static void writtenResidentArrayInTwoGraphsIsReportedOn(Device dev) {
        if (!dev.hostMemory()) {
            return;
        }
        int n = 8;
        FloatArray s = new FloatArray("s", n), y = new FloatArray("y", n);
        TaskGraph reader = new TaskGraph("reader").transferToDevice(DataTransferMode.FIRST_EXECUTION, s)
                .task("copy", Elementwise.COPY, n, s, 0, y, 0, n);
        TaskGraph writer = new TaskGraph("writer").task("fill", Elementwise.FILL, n, s, 1f, n);
        try (ExecutionPlan plan = new ExecutionPlan(dev, reader, writer)) {
            var e = assertThrows(IllegalStateException.class, plan::execute);
            assertTrue(e.getMessage().contains("is written by graph writer and also used by [reader]"), e.getMessage());
            plan.free();
        }
    }
}
