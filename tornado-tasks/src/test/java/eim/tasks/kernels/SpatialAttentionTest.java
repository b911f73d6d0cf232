package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.Device;
import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class SpatialAttentionTest {
    static final int B = 2, C = 6, N = 12; // N = 12: one 8-lane vector and a tail over positions
    static final int SIZE = B * C * N;

    /** Forward then the three backward kernels; returns {out, lse, dq, dk, dv}. */
    static FloatArray[] forwardBackward(Device d, FloatArray q, FloatArray k, FloatArray v, FloatArray dout) {
        FloatArray out = zeros("out", SIZE), lse = zeros("lse", B * N), delta = zeros("delta", B * N);
        FloatArray dq = zeros("dq", SIZE), dk = zeros("dk", SIZE), dv = zeros("dv", SIZE);
        run(d, SpatialAttention.FORWARD, new int[] {B * N}, q, k, v, out, lse, B, C, N);
        run(d, SpatialAttention.DELTA, new int[] {B * N}, out, dout, delta, B, C, N);
        run(d, SpatialAttention.BACKWARD_QUERY, new int[] {B * N}, q, k, v, dout, lse, delta, dq, B, C, N);
        run(d, SpatialAttention.BACKWARD_KEY_VALUE, new int[] {B * N}, q, k, v, dout, lse, delta, dk, dv, B, C, N);
        return new FloatArray[] {out, lse, dq, dk, dv};
    }

    @Test
    void backendsMatchPortableBody() {
        parity(B, C, N, new Random(1));
        parity(3, 5, 7, new Random(7)); // odd sizes
        parity(2, 4, 37, new Random(9)); // whole vectors and a tail at 4, 8 and 16 lanes (the softmax's EXP lanes)
        parity(3, 40, 70, new Random(11)); // 40 channels: a 32-column panel and 8 left over in the output GEMM
        // the java forward's blocks of 96 queries, against the portable body on the JVM (the tornado backend
        // runs that body, checked above; these sizes made PoCL's runs of it long): two blocks and a part per
        // sample and slices that end mid-sample, with 40 channels (the output as P·vᵀ) and with 200 (as
        // v·Pᵀ: 33 row groups and 2 rows left over; 96, 34 and 65 query columns, whole panels and a rest)
        forwardMatchesPortableBody(3, 40, 230, new Random(12));
        forwardMatchesPortableBody(3, 200, 130, new Random(13));
    }

    private static void forwardMatchesPortableBody(int B, int C, int N, Random r) {
        int size = B * C * N;
        FloatArray q = randn("q", size, r), k = randn("k", size, r), v = randn("v", size, r);
        Object[] expected = {q, k, v, zeros("out", size), zeros("lse", B * N), B, C, N};
        Object[] actual = copy(expected);
        run(javaPortable(), SpatialAttention.FORWARD, new int[] {B * N}, expected);
        run(java(), SpatialAttention.FORWARD, new int[] {B * N}, actual);
        for (int i : new int[] {3, 4}) {
            assertCloseToScale("java forward at " + B + "x" + C + "x" + N + ", arg " + i,
                    ((FloatArray) actual[i]).array(), ((FloatArray) expected[i]).array(), PARITY_TOL);
        }
    }

    private static void parity(int B, int C, int N, Random r) {
        int SIZE = B * C * N;
        FloatArray q = randn("q", SIZE, r), k = randn("k", SIZE, r), v = randn("v", SIZE, r);
        FloatArray out = zeros("out", SIZE), lse = zeros("lse", B * N);
        assertParity(SpatialAttention.FORWARD, new int[] {B * N}, q, k, v, out, lse, B, C, N);
        run(java(), SpatialAttention.FORWARD, new int[] {B * N}, q, k, v, out, lse, B, C, N);
        FloatArray dout = randn("dout", SIZE, r), delta = zeros("delta", B * N);
        assertParity(SpatialAttention.DELTA, new int[] {B * N}, out, dout, delta, B, C, N);
        run(java(), SpatialAttention.DELTA, new int[] {B * N}, out, dout, delta, B, C, N);
        assertParity(SpatialAttention.BACKWARD_QUERY, new int[] {B * N}, q, k, v, dout, lse, delta,
                randn("dq", SIZE, r), B, C, N);
        assertParity(SpatialAttention.BACKWARD_KEY_VALUE, new int[] {B * N}, q, k, v, dout, lse, delta,
                randn("dk", SIZE, r), randn("dv", SIZE, r), B, C, N);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        FloatArray q = randn("q", SIZE, r), k = randn("k", SIZE, r), v = randn("v", SIZE, r);
        float[] g = randn("g", SIZE, r).array();
        FloatArray out = zeros("out", SIZE), lse = zeros("lse", B * N);
        DoubleSupplier loss = () -> {
            run(java(), SpatialAttention.FORWARD, new int[] {B * N}, q, k, v, out, lse, B, C, N);
            return GradCheck.weightedSum(out.array(), g);
        };
        FloatArray[] grads = forwardBackward(java(), q, k, v, new FloatArray("g", g.clone()));
        GradCheck.check("dq", loss, q.array(), grads[2].array(), 50, 1e-2f, 2e-3);
        GradCheck.check("dk", loss, k.array(), grads[3].array(), 50, 1e-2f, 2e-3);
        GradCheck.check("dv", loss, v.array(), grads[4].array(), 50, 1e-2f, 2e-3);
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("tokenizer_ops");
        for (var device : devices()) {
            FloatArray[] res = forwardBackward(device, new FloatArray("q", gold.f("sa_q")),
                    new FloatArray("k", gold.f("sa_k")), new FloatArray("v", gold.f("sa_v")),
                    new FloatArray("g", gold.f("sa_g")));
            Golden.assertMatches(device.name() + " out", res[0].array(), gold.f("sa_y"), 1e-4);
            Golden.assertMatches(device.name() + " dq", res[2].array(), gold.f("sa_dq"), 1e-4);
            Golden.assertMatches(device.name() + " dk", res[3].array(), gold.f("sa_dk"), 1e-4);
            Golden.assertMatches(device.name() + " dv", res[4].array(), gold.f("sa_dv"), 1e-4);
        }
    }
}
