package eim.tasks.backend;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Wall time and launch count per kernel (-Deim.profile=true) or per task (-Deim.profile=tasks),
 * printed to stderr at JVM exit, the 60 largest (-Deim.profile.top=N). With -Deim.profile.skip=N
 * the first N launches of each entry are counted but not timed (the JIT's warm-up).
 */
final class KernelProfile {
    private final Map<String, LongAdder[]> byKernel = new ConcurrentHashMap<>();
    private final int skip = Integer.getInteger("eim.profile.skip", 0);

    KernelProfile(String backend) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> print(backend)));
    }

    void add(String kernel, long nanos) {
        LongAdder[] a = byKernel.computeIfAbsent(kernel, k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        if (a[1].sum() >= skip) {
            a[0].add(nanos);
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
        System.err.printf("kernel profile (%s backend), %.1f ms in kernels:%n", backend, total);
        byKernel.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0].sum(), x.getValue()[0].sum()))
                .limit(Integer.getInteger("eim.profile.top", 60))
                .forEach(e -> System.err.printf("  %-60s %10.1f ms %8d launches %5.1f%%%n", e.getKey(),
                        e.getValue()[0].sum() / 1e6, e.getValue()[1].sum(), 100 * e.getValue()[0].sum() / 1e6 / total));
    }
}
