package eim.tasks;

import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.common.TornadoFunctions;

/** Calls a portable body (a {@code TaskN}) with an argument array, on the JVM or as a TornadoVM task. */
@SuppressWarnings({"unchecked", "rawtypes"})
public final class Invoker {
    private Invoker() {}

    /** Runs the body on this thread: {@code a} holds every parameter, slice bounds first. */
    public static void call(Object body, Object[] a) {
        switch (a.length) {
            case 3 -> ((TornadoFunctions.Task3) body).apply(a[0], a[1], a[2]);
            case 4 -> ((TornadoFunctions.Task4) body).apply(a[0], a[1], a[2], a[3]);
            case 5 -> ((TornadoFunctions.Task5) body).apply(a[0], a[1], a[2], a[3], a[4]);
            case 6 -> ((TornadoFunctions.Task6) body).apply(a[0], a[1], a[2], a[3], a[4], a[5]);
            case 7 -> ((TornadoFunctions.Task7) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
            case 8 -> ((TornadoFunctions.Task8) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            case 9 -> ((TornadoFunctions.Task9) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
            case 10 -> ((TornadoFunctions.Task10) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
            case 11 -> ((TornadoFunctions.Task11) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
            case 12 -> ((TornadoFunctions.Task12) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            case 13 -> ((TornadoFunctions.Task13) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
            case 14 -> ((TornadoFunctions.Task14) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
            case 15 -> ((TornadoFunctions.Task15) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
            case 16 -> ((TornadoFunctions.Task16) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
            case 17 -> ((TornadoFunctions.Task17) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16]);
            case 18 -> ((TornadoFunctions.Task18) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]);
            case 19 -> ((TornadoFunctions.Task19) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18]);
            case 20 -> ((TornadoFunctions.Task20) body).apply(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19]);
            default -> throw new IllegalArgumentException("a portable body takes 3 to 20 parameters, got " + a.length);
        }
    }

    /** Adds the body to a TornadoVM task graph as task {@code id} over arguments {@code a}. */
    public static void task(TaskGraph g, String id, Object body, Object[] a) {
        switch (a.length) {
            case 3 -> g.task(id, (TornadoFunctions.Task3) body, a[0], a[1], a[2]);
            case 4 -> g.task(id, (TornadoFunctions.Task4) body, a[0], a[1], a[2], a[3]);
            case 5 -> g.task(id, (TornadoFunctions.Task5) body, a[0], a[1], a[2], a[3], a[4]);
            case 6 -> g.task(id, (TornadoFunctions.Task6) body, a[0], a[1], a[2], a[3], a[4], a[5]);
            case 7 -> g.task(id, (TornadoFunctions.Task7) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
            case 8 -> g.task(id, (TornadoFunctions.Task8) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
            case 9 -> g.task(id, (TornadoFunctions.Task9) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]);
            case 10 -> g.task(id, (TornadoFunctions.Task10) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9]);
            case 11 -> g.task(id, (TornadoFunctions.Task11) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
            case 12 -> g.task(id, (TornadoFunctions.Task12) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11]);
            case 13 -> g.task(id, (TornadoFunctions.Task13) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12]);
            case 14 -> g.task(id, (TornadoFunctions.Task14) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]);
            case 15 -> g.task(id, (TornadoFunctions.Task15) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
            case 16 -> g.task(id, (TornadoFunctions.Task16) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
            case 17 -> g.task(id, (TornadoFunctions.Task17) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16]);
            case 18 -> g.task(id, (TornadoFunctions.Task18) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17]);
            case 19 -> g.task(id, (TornadoFunctions.Task19) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18]);
            case 20 -> g.task(id, (TornadoFunctions.Task20) body, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15], a[16], a[17], a[18], a[19]);
            default -> throw new IllegalArgumentException("a portable body takes 3 to 20 parameters, got " + a.length);
        }
    }
}
