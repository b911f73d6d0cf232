package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import eim.tasks.FloatArray;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ElementwiseTest {
    static final int N = 1003; // odd: exercises uneven slices

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray x = randn("x", N, r), y = randn("y", N, r);
        assertParity(Elementwise.FILL, new int[] {N}, y, -1.5f, N);
        assertParity(Elementwise.COPY, new int[] {N - 10}, x, 3, y, 7, N - 10);
        assertParity(Elementwise.ADD_INPLACE, new int[] {N}, y, x, N);
        assertParity(Elementwise.AXPY, new int[] {N}, y, x, 0.37f, N);
        assertParity(Elementwise.SCALE, new int[] {N}, x, -2.5f, N);
    }

    @Test
    void kernelsDoWhatTheirNamesSay() {
        Random r = new Random(2);
        float[] x0 = randn("x", N, r).array(), y0 = randn("y", N, r).array();

        FloatArray y = new FloatArray("y", y0.clone());
        run(java(), Elementwise.FILL, new int[] {N}, y, 0.25f, N);
        for (float v : y.array()) {
            org.junit.jupiter.api.Assertions.assertEquals(0.25f, v);
        }

        // copy a window with different offsets; everything outside it is untouched
        y = new FloatArray("y", y0.clone());
        int n = 500, srcOff = 11, dstOff = 300;
        run(java(), Elementwise.COPY, new int[] {n}, new FloatArray("x", x0.clone()), srcOff, y, dstOff, n);
        float[] expected = y0.clone();
        System.arraycopy(x0, srcOff, expected, dstOff, n);
        assertArrayEquals(expected, y.array());

        y = new FloatArray("y", y0.clone());
        run(java(), Elementwise.AXPY, new int[] {N}, y, new FloatArray("x", x0.clone()), 3f, N);
        FloatArray z = new FloatArray("z", y0.clone());
        run(java(), Elementwise.ADD_INPLACE, new int[] {N}, z, new FloatArray("x", x0.clone()), N);
        FloatArray s = new FloatArray("s", x0.clone());
        run(java(), Elementwise.SCALE, new int[] {N}, s, 3f, N);
        for (int i = 0; i < N; i++) {
            org.junit.jupiter.api.Assertions.assertEquals(y0[i] + 3f * x0[i], y.get(i), 1e-6f * (1 + Math.abs(y.get(i))));
            org.junit.jupiter.api.Assertions.assertEquals(y0[i] + x0[i], z.get(i), 1e-6f * (1 + Math.abs(z.get(i))));
            org.junit.jupiter.api.Assertions.assertEquals(3f * x0[i], s.get(i), 1e-6f * (1 + Math.abs(s.get(i))));
        }
    }
}
