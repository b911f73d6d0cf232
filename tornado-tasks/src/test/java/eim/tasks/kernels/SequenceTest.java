package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.testing.Golden;
import eim.tasks.testing.GradCheck;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SequenceTest {
    static final int B = 2, S = 3, L = 5, D = 7;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(3);
        FloatArray xc = randn("xc", B * S * D, r), xi = randn("xi", B * L * D, r);
        assertParity(Sequence.SHIFT_RIGHT_GATHER, new int[] {B * L, D}, xc, xi, zeros("z", B * L * D), B, S, L, D);
        assertParity(Sequence.SHIFT_RIGHT_SCATTER, new int[] {B * L, D}, randn("dz", B * L * D, r), randn("dxc", B * S * D, r),
                randn("dxi", B * L * D, r), B, S, L, D);
        int slots = 4;
        assertParity(Sequence.KV_CACHE_WRITE, new int[] {B, D}, randn("qkv", B * 3 * D, r), zeros("q", B * D),
                randn("kc", B * slots * D, r), randn("vc", B * slots * D, r), B, D, slots, 2);
        assertParity(Sequence.KV_CACHE_WRITE, new int[] {B, D}, randn("qkv", B * 3 * D, r), zeros("q", B * D),
                randn("kc", B * slots * D, r), randn("vc", B * slots * D, r), B, D, slots, new IntParam(3));
    }

    @Test
    void interleaveBackendsMatchPortableBody() {
        Random r = new Random(6);
        int rows = B * (S + L);
        assertParity(Sequence.INTERLEAVE, new int[] {rows, D}, randn("xc", B * S * D, r), randn("xi", B * L * D, r),
                zeros("xj", rows * D), S, L, D);
        for (int accumulate = 0; accumulate <= 1; accumulate++) {
            assertParity(Sequence.DEINTERLEAVE, new int[] {rows, D}, randn("xj", rows * D, r), randn("xc", B * S * D, r),
                    randn("xi", B * L * D, r), S, L, D, accumulate);
        }
    }

    @Test
    void interleaveLaysOutEachSampleBufferFirstAndDeinterleaveUndoesIt() {
        Random r = new Random(7);
        int rows = B * (S + L);
        for (var dev : devices()) {
            FloatArray xc = randn("xc", B * S * D, r), xi = randn("xi", B * L * D, r), xj = zeros("xj", rows * D);
            run(dev, Sequence.INTERLEAVE, new int[] {rows, D}, xc, xi, xj, S, L, D);
            for (int b = 0; b < B; b++) {
                for (int t = 0; t < S + L; t++) {
                    for (int c = 0; c < D; c++) {
                        float want = t < S ? xc.get((b * S + t) * D + c) : xi.get((b * L + t - S) * D + c);
                        assertEquals(want, xj.get((b * (S + L) + t) * D + c), dev.name() + " row " + b + "," + t);
                    }
                }
            }
            // written over: back to xc and xi exactly, whatever they held (NaN included)
            FloatArray yc = zeros("yc", B * S * D), yi = zeros("yi", B * L * D);
            yc.fill(Float.NaN);
            yi.fill(Float.NaN);
            run(dev, Sequence.DEINTERLEAVE, new int[] {rows, D}, xj, yc, yi, S, L, D, 0);
            org.junit.jupiter.api.Assertions.assertArrayEquals(xc.array(), yc.array(), dev.name());
            org.junit.jupiter.api.Assertions.assertArrayEquals(xi.array(), yi.array(), dev.name());
            // added: each row once
            run(dev, Sequence.DEINTERLEAVE, new int[] {rows, D}, xj, yc, yi, S, L, D, 1);
            for (int i = 0; i < B * S * D; i++) {
                assertEquals(2 * xc.get(i), yc.get(i), 0f, dev.name());
            }
            for (int i = 0; i < B * L * D; i++) {
                assertEquals(2 * xi.get(i), yi.get(i), 0f, dev.name());
            }
        }
    }

    @Test
    void gatherTakesThePreviousPosition() {
        Random r = new Random(4);
        FloatArray xc = randn("xc", B * S * D, r), xi = randn("xi", B * L * D, r), z = zeros("z", B * L * D);
        run(java(), Sequence.SHIFT_RIGHT_GATHER, new int[] {B * L, D}, xc, xi, z, B, S, L, D);
        for (int b = 0; b < B; b++) {
            for (int c = 0; c < D; c++) {
                assertEquals(xc.get((b * S + S - 1) * D + c), z.get((b * L) * D + c));
                for (int l = 1; l < L; l++) {
                    assertEquals(xi.get((b * L + l - 1) * D + c), z.get((b * L + l) * D + c));
                }
            }
        }
    }

    @Test
    void matchesPyTorch() {
        eim.tasks.testing.Golden g = eim.tasks.testing.Golden.load("ops_sequence");
        FloatArray z = zeros("z", B * L * D), dxc = zeros("dxc", B * S * D), dxi = zeros("dxi", B * L * D);
        for (var dev : devices()) {
            run(dev, Sequence.SHIFT_RIGHT_GATHER, new int[] {B * L, D}, new FloatArray("xc", g.f("xc")),
                    new FloatArray("xi", g.f("xi")), z, B, S, L, D);
            Golden.assertMatches("z on " + dev.name(), z.array(), g.f("z"), 1e-6);
            dxc.fill(0f);
            dxi.fill(0f);
            run(dev, Sequence.SHIFT_RIGHT_SCATTER, new int[] {B * L, D}, new FloatArray("dz", g.f("dz")), dxc, dxi, B, S, L, D);
            Golden.assertMatches("dxc on " + dev.name(), dxc.array(), g.f("dxc"), 1e-6);
            Golden.assertMatches("dxi on " + dev.name(), dxi.array(), g.f("dxi"), 1e-6);
        }
    }

    @Test
    void scatterIsTheGradientOfGather() {
        Random r = new Random(5);
        FloatArray xc = randn("xc", B * S * D, r), xi = randn("xi", B * L * D, r), z = zeros("z", B * L * D);
        float[] w = randn("w", B * L * D, r).array();
        java.util.function.DoubleSupplier loss = () -> {
            run(java(), Sequence.SHIFT_RIGHT_GATHER, new int[] {B * L, D}, xc, xi, z, B, S, L, D);
            return GradCheck.weightedSum(z.array(), w);
        };
        FloatArray dxc = zeros("dxc", B * S * D), dxi = zeros("dxi", B * L * D);
        run(java(), Sequence.SHIFT_RIGHT_SCATTER, new int[] {B * L, D}, new FloatArray("dz", w.clone()), dxc, dxi, B, S, L, D);
        GradCheck.check("dxc", loss, xc.array(), dxc.array(), 42, 1e-2f, 1e-3);
        GradCheck.check("dxi", loss, xi.array(), dxi.array(), 70, 1e-2f, 1e-3);
    }
}
