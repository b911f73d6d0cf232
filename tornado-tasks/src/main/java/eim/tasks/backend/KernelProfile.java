package eim.tasks.backend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wall time and launch count per kernel (-Deim.profile=true) or per task (-Deim.profile=tasks),
 * printed to stderr at JVM exit, the 60 largest (-Deim.profile.top=N). With -Deim.profile.skip=N
 * the first N launches of each entry are counted but not timed (the JIT's warm-up).
 *
 * <p>Each entry also sums the core time its launches left idle: a launch run on the calling thread
 * alone idles every other core for its whole time ("serial"); one shared across the team idles a
 * core from the moment it has no slice left until the last slice is done ("uneven": slices of equal
 * work that took unequal time, on a busy or noisy machine).
 */
final class KernelProfile {
    private final Map<String, LongAdder[]> byKernel = new ConcurrentHashMap<>();
    private final LongAdder idleSerial = new LongAdder(), idleUneven = new LongAdder();
    private final int skip = Integer.getInteger("eim.profile.skip", 0);
    private final int cores;

    KernelProfile(String backend, int cores) {
        this.cores = cores;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> print(backend)));
    }

    /**
     * One launch of {@code kernel}: {@code nanos} of wall time, {@code idleNanos} of core time left
     * idle, {@code serial} when it ran on the calling thread alone.
     */
    void add(String kernel, long nanos, long idleNanos, boolean serial) {
        LongAdder[] a = byKernel.computeIfAbsent(kernel,
                k -> new LongAdder[] {new LongAdder(), new LongAdder(), new LongAdder()});
        if (a[1].sum() >= skip) {
            a[0].add(nanos);
            a[2].add(idleNanos);
            (serial ? idleSerial : idleUneven).add(idleNanos);
        }
        a[1].increment();
    }

    private void print(String backend) {
        try {
            printTable(backend);
        } catch (RuntimeException e) {
            System.err.println("kernel profile: " + e);
        }
    }

    private void printTable(String backend) {
        double total = byKernel.values().stream().mapToLong(a -> a[0].sum()).sum() / 1e6;
        double serial = idleSerial.sum() / 1e6, uneven = idleUneven.sum() / 1e6;
        System.err.printf("kernel profile (%s backend), %.1f ms in kernels:%n", backend, total);
        if (cores > 1 && total > 0) {
            System.err.printf("  %d cores idle %.1f%% of their kernel time: %.1f core-ms in launches run on one thread, "
                    + "%.1f core-ms waiting for the last slice of shared ones%n", cores,
                    100 * (serial + uneven) / (cores * total), serial, uneven);
        }
        byKernel.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0].sum(), x.getValue()[0].sum()))
                .limit(Integer.getInteger("eim.profile.top", 60))
                .forEach(e -> System.err.printf("  %-60s %10.1f ms %8d launches %5.1f%% %9.1f idle core-ms%n", e.getKey(),
                        e.getValue()[0].sum() / 1e6, e.getValue()[1].sum(), 100 * e.getValue()[0].sum() / 1e6 / total,
                        e.getValue()[2].sum() / 1e6));
    }
}
