package eim.tasks.backend;

import java.util.List;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * One-work-item kernels that read element 0 of up to 8 arrays and write back only a NaN over
 * itself (so never a change): the read makes TornadoVM copy each array in even where the graph's
 * own kernels only write it, and the possible write makes it READ_WRITE so it is copied back.
 * Arrays go in groups of 8, 4, 2, 1, so a graph needs few of these tasks (each is compiled).
 */
final class Keep {
    private Keep() {}

    static void addTasks(TaskGraph g, List<float[]> floats, List<int[]> ints) {
        int k = 0, i = 0;
        while (i < floats.size()) {
            int left = floats.size() - i;
            String id = "keepf" + (k++);
            if (left >= 8) {
                g.task(id, Keep::floats8, floats.get(i), floats.get(i + 1), floats.get(i + 2), floats.get(i + 3),
                        floats.get(i + 4), floats.get(i + 5), floats.get(i + 6), floats.get(i + 7));
                i += 8;
            } else if (left >= 4) {
                g.task(id, Keep::floats4, floats.get(i), floats.get(i + 1), floats.get(i + 2), floats.get(i + 3));
                i += 4;
            } else if (left >= 2) {
                g.task(id, Keep::floats2, floats.get(i), floats.get(i + 1));
                i += 2;
            } else {
                g.task(id, Keep::floats1, floats.get(i));
                i += 1;
            }
        }
        for (int[] a : ints) {
            g.task("keepi" + (k++), Keep::ints1, a);
        }
    }

    public static void floats1(float[] a) {
        for (@Parallel int t = 0; t < 1; t++) {
            float v = a[0];
            if (v != v) {
                a[0] = v;
            }
        }
    }

    public static void floats2(float[] a, float[] b) {
        for (@Parallel int t = 0; t < 1; t++) {
            float v = a[0] + b[0];
            if (v != v) {
                a[0] = a[0] + 0f * v;
                b[0] = b[0] + 0f * v;
            }
        }
    }

    public static void floats4(float[] a, float[] b, float[] c, float[] d) {
        for (@Parallel int t = 0; t < 1; t++) {
            float v = a[0] + b[0] + c[0] + d[0];
            if (v != v) {
                a[0] = a[0] + 0f * v;
                b[0] = b[0] + 0f * v;
                c[0] = c[0] + 0f * v;
                d[0] = d[0] + 0f * v;
            }
        }
    }

    public static void floats8(float[] a, float[] b, float[] c, float[] d, float[] e, float[] f, float[] g, float[] h) {
        for (@Parallel int t = 0; t < 1; t++) {
            float v = a[0] + b[0] + c[0] + d[0] + e[0] + f[0] + g[0] + h[0];
            if (v != v) {
                a[0] = a[0] + 0f * v;
                b[0] = b[0] + 0f * v;
                c[0] = c[0] + 0f * v;
                d[0] = d[0] + 0f * v;
                e[0] = e[0] + 0f * v;
                f[0] = f[0] + 0f * v;
                g[0] = g[0] + 0f * v;
                h[0] = h[0] + 0f * v;
            }
        }
    }

    public static void ints1(int[] a) {
        for (@Parallel int t = 0; t < 1; t++) {
            int v = a[0];
            if (v == Integer.MIN_VALUE) {
                a[0] = v;
            }
        }
    }
}
