package eim.tasks.backend;

import eim.tasks.Device;
import eim.tasks.DeviceInfo;
import eim.tasks.Task;

/**
 * The reference backend: runs each kernel's Java body, splitting dimension 0 of the range across
 * the cores ({@link WorkerTeam}). Device memory is the host array itself, so transfers cost nothing.
 */
public final class JavaDevice implements Device {
    /** Below this many items of dimension 0 a launch runs on the calling thread. */
    public static final int MIN_ITEMS_TO_SPLIT = 2;
    /**
     * Below this many work items in all (product of the range) a launch runs on the calling thread:
     * sharing it costs more than small kernels (decoding steps) gain. -Deim.java.minSplit=N.
     */
    public static final int MIN_WORK_ITEMS_TO_SPLIT = Integer.getInteger("eim.java.minSplit", 4096);

    /**
     * Slices of dimension 0 per thread: more balance a loaded machine, fewer repeat less per-slice
     * work (GEMM kernels pack their shared operand once per slice). -Deim.java.chunksPerThread=N.
     */
    public static final int CHUNKS_PER_THREAD = Integer.getInteger("eim.java.chunksPerThread", 1);

    /**
     * With -Deim.profile=true, time per kernel is accumulated and printed at exit; with
     * -Deim.profile=tasks, time per task (a kernel at one place in one graph) and its range.
     */
    private static final String PROFILE_BY = System.getProperty("eim.profile", "false");
    private static final boolean PROFILE_TASKS = PROFILE_BY.equals("tasks");
    private static final KernelProfile PROFILE = PROFILE_BY.equals("true") || PROFILE_TASKS ? new KernelProfile("java", Runtime.getRuntime().availableProcessors()) : null;

    /** -Deim.java.portable=true runs every kernel's portable body, never its fast path. */
    public static final boolean PORTABLE_ONLY = Boolean.getBoolean("eim.java.portable");

    private final WorkerTeam team;
    /** Each side-by-side graph's tasks, largest first. */
    private final java.util.Map<eim.tasks.TaskGraph, Task[]> largestFirst =
            java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());
    private static final eim.tasks.KernelArgs NO_ARGS = eim.tasks.KernelArgs.of(new Object[0]);
    private final int threads;
    private final boolean portableOnly;
    private final DeviceInfo info;

    public JavaDevice() {
        this(Runtime.getRuntime().availableProcessors());
    }

    public JavaDevice(int threads) {
        this(threads, PORTABLE_ONLY);
    }

    /**
     * @param portableOnly run the portable bodies even where a kernel has a fast path (the
     *                     reference that fast paths and the tornado backend are tested against)
     */
    public JavaDevice(int threads, boolean portableOnly) {
        this.portableOnly = portableOnly;
        this.threads = Math.max(1, threads);
        this.team = this.threads > 1 ? new WorkerTeam(this.threads) : null;
        Runtime rt = Runtime.getRuntime();
        this.info = new DeviceInfo("java", "java", "Java " + Runtime.version() + (portableOnly ? " (portable bodies)" : " (Vector API)"),
                System.getProperty("java.vendor", "?"), "CPU", this.threads, rt.maxMemory(),
                "Java " + Runtime.version().feature());
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    @Override
    public boolean hostMemory() {
        return true;
    }

    @Override
    public void execute(eim.tasks.TaskGraph graph) {
        if (team != null && graph.hasIndependentTasks() && graph.tasks().size() > 1) {
            executeSideBySide(graph);
            return;
        }
        for (Task t : graph.tasks()) {
            launch(t);
        }
    }

    /**
     * A graph of independent tasks (an optimizer's 500 parameter updates of 0.01-1 ms): whole tasks
     * dealt to the cores one at a time, largest first, each run on one core. Split one by one, each
     * would end waiting for its slowest half and for a worker to wake (S's step: cores idle 25-50%
     * of these launches' time).
     */
    private void executeSideBySide(eim.tasks.TaskGraph graph) {
        Task[] cached = largestFirst.get(graph);
        if (cached == null || cached.length != graph.tasks().size()) { // first run, or tasks added since
            cached = graph.tasks().toArray(new Task[0]);
            java.util.Arrays.sort(cached, java.util.Comparator.comparingLong(JavaDevice::work).reversed());
            largestFirst.put(graph, cached);
        }
        Task[] tasks = cached;
        long t0 = PROFILE != null ? System.nanoTime() : 0;
        long busy = team.run((from, to, ignored) -> {
            for (int i = from; i < to; i++) {
                runAlone(tasks[i]);
            }
        }, NO_ARGS, tasks.length, tasks.length, PROFILE != null);
        if (PROFILE != null && busy >= 0) { // the tasks' own times are in the profile; the cores' idle time here
            PROFILE.add(graph.name() + " (tasks side by side: idle cores)", 0,
                    Math.max(0, (long) threads * (System.nanoTime() - t0) - busy), false);
        }
    }

    /** Elementwise items of a task: its range times its kernel's item cost. */
    private static long work(Task task) {
        long items = task.kernel().itemCost();
        for (int r : task.range()) {
            items *= r;
        }
        return items;
    }

    /** One task on the calling thread, whole (a core's share of {@link #executeSideBySide}). */
    private void runAlone(Task task) {
        long t0 = PROFILE != null ? System.nanoTime() : 0;
        bodyOf(task).run(0, task.range()[0], eim.tasks.KernelArgs.of(task.args()));
        if (PROFILE != null) {
            PROFILE.add(profileEntry(task), System.nanoTime() - t0, 0, false);
        }
    }

    /** The profile entry a task's time goes to: its kernel, or with -Deim.profile=tasks the task and its range. */
    private static String profileEntry(Task task) {
        return PROFILE_TASKS ? task.name() + " " + java.util.Arrays.toString(task.range()) : task.kernel().name();
    }

    /** Runs one task: its slices of dimension 0 across the team, or inline when small. */
    public void launch(Task task) {
        var args = eim.tasks.KernelArgs.of(task.args());
        int[] range = task.range();
        int n = range[0];
        var body = bodyOf(task);
        long items = work(task);
        if (!portableOnly && task.kernel().fastColumns() != null && range.length > 1
                && task.kernel().columnSplit().byColumns(range[0], range[1], threads, args)) {
            n = range[1]; // the columns are split instead of the rows
            body = task.kernel().fastColumns();
        }
        long t0 = PROFILE != null ? System.nanoTime() : 0;
        long busy = -1; // core time in slices, summed; -1: the launch ran on the calling thread alone
        if (team == null || n < MIN_ITEMS_TO_SPLIT || items < MIN_WORK_ITEMS_TO_SPLIT) {
            body.run(0, n, args);
        } else {
            busy = team.run(body, args, n, Math.min(n, threads * CHUNKS_PER_THREAD), PROFILE != null);
        }
        if (PROFILE != null) {
            long wall = System.nanoTime() - t0;
            PROFILE.add(profileEntry(task), wall, busy < 0 ? (long) (threads - 1) * wall : Math.max(0, (long) threads * wall - busy), busy < 0);
        }
    }

    /** The fast path where there is one (unless portable-only), else the portable body over a slice. */
    private eim.tasks.Kernel.Body bodyOf(Task task) {
        eim.tasks.Kernel k = task.kernel();
        if (k.fast() != null && !portableOnly) {
            return k.fast();
        }
        Object[] bound = task.boundArgs();
        Object fn = k.portable();
        return (from, to, ignored) -> {
            Object[] a = bound.clone();
            a[0] = from;
            a[1] = to;
            eim.tasks.Invoker.call(fn, a);
        };
    }

    @Override
    public void close() {
        if (team != null) {
            team.close();
        }
    }
}
