package eim.tasks;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a plan's resident arrays (its {@link DataTransferMode#FIRST_EXECUTION} declarations and
 * its graph-local arrays, see {@link ExecutionPlan}) on the java backend (on in the tests:
 * {@code -Deim.checkTransfers=true}), because a device that keeps such arrays resident gives wrong
 * results, silently, when these rules are broken:
 * <ul>
 *   <li>the host changed a resident array without {@code plan.transferToDevice} (compared by
 *       checksum with what the device was last given or last wrote);</li>
 *   <li>a graph's kernels wrote a resident array that another graph of the plan also uses (each
 *       graph may hold its own device copy).</li>
 * </ul>
 */
final class TransferCheck {
    static final boolean ENABLED = Boolean.getBoolean("eim.checkTransfers");
    private static final java.util.concurrent.atomic.AtomicLong IDS = new java.util.concurrent.atomic.AtomicLong();
    /**
     * The graph-local arrays of every checked plan not yet freed -> that plan's id: a graph-local
     * array lives on its plan's device, so no other plan may use it (weak keys: the arrays).
     */
    private static final Map<Object, String> LOCAL_OWNER = java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final String id;
    private final Set<Object> local = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<TaskGraph, Map<Object, String>> arraysIn = new HashMap<>();

    private final String plan;
    private final Map<Object, String> names = new IdentityHashMap<>();
    private final Map<Object, Integer> deviceSum = new IdentityHashMap<>();
    private final Map<Object, String> writer = new IdentityHashMap<>();
    private final Map<Object, Set<String>> users = new IdentityHashMap<>();

    TransferCheck(String plan, Set<DeviceArray> sentOnce, Set<DeviceArray> graphLocal) {
        this.plan = plan;
        sentOnce.forEach(a -> names.put(a.host(), "FIRST_EXECUTION array " + a.name()));
        graphLocal.forEach(a -> names.put(a.host(), "graph-local array " + a.name()
                + " (used by one graph, in no transfer: it lives on the device)"));
        this.id = plan + "#" + IDS.incrementAndGet();
        graphLocal.forEach(a -> {
            local.add(a.host());
            LOCAL_OWNER.putIfAbsent(a.host(), id);
        });
    }

    /** The plan was freed: its graph-local arrays may serve other plans now. */
    void release() {
        for (Object a : local) {
            LOCAL_OWNER.remove(a, id);
        }
    }

    void before(TaskGraph g) {
        for (var e : arrays(g).entrySet()) {
            String owner = LOCAL_OWNER.get(e.getKey());
            if (owner != null && !owner.equals(id)) {
                throw new IllegalStateException("plan " + plan + " uses array " + e.getValue() + ", which is graph-local in plan "
                        + owner.substring(0, owner.lastIndexOf('#')) + " (used by one of its graphs, named in none of its "
                        + "transfers, so it lives on that plan's device): declare it EVERY_EXECUTION in the plan that "
                        + "computes it");
            }
        }
        for (Object a : resident(g)) {
            users.computeIfAbsent(a, k -> new HashSet<>()).add(g.name());
            String w = writer.get(a);
            if (w != null && !w.equals(g.name())) {
                throw violation(a, "is written by graph " + w + " and used by graph " + g.name());
            }
            Integer seen = deviceSum.get(a);
            int now = checksum(a);
            if (seen == null) {
                deviceSum.put(a, now); // first use: sent now
            } else if (seen != now) {
                throw violation(a, "changed on the host after the device got it (before graph " + g.name()
                        + "): call plan.transferToDevice after changing it, or declare it EVERY_EXECUTION");
            }
        }
    }

    void after(TaskGraph g) {
        for (Object a : resident(g)) {
            int now = checksum(a);
            if (now != deviceSum.get(a)) {
                Set<String> others = new HashSet<>(users.get(a));
                others.remove(g.name());
                if (!others.isEmpty()) {
                    throw violation(a, "is written by graph " + g.name() + " and also used by " + others
                            + ": only a single graph may write a FIRST_EXECUTION array");
                }
                writer.put(a, g.name());
                deviceSum.put(a, now);
            }
        }
    }

    void refreshed(Object a) {
        if (names.containsKey(a)) {
            deviceSum.put(a, checksum(a));
        }
    }

    /** The arrays of g's tasks: host array -> name. */
    private Map<Object, String> arrays(TaskGraph g) {
        return arraysIn.computeIfAbsent(g, k -> {
            Map<Object, String> m = new IdentityHashMap<>();
            for (Task t : g.tasks()) {
                for (Object a : t.args()) {
                    if (a instanceof DeviceArray d) {
                        m.put(d.host(), d.name());
                    }
                }
            }
            return m;
        });
    }

    /** The resident arrays among g's. */
    private List<Object> resident(TaskGraph g) {
        return arrays(g).keySet().stream().filter(names::containsKey).toList();
    }

    private IllegalStateException violation(Object a, String what) {
        return new IllegalStateException("plan " + plan + ": " + names.get(a) + " " + what);
    }

    private static int checksum(Object a) {
        return a instanceof float[] f ? Arrays.hashCode(f) : Arrays.hashCode((int[]) a);
    }
}
