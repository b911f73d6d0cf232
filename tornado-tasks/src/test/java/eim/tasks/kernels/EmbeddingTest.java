package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.FloatArray;
import eim.tasks.IntArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class EmbeddingTest {
    static final int V = 11, D = 37, N = 13;
    static final int B = 5, S = 3, CLASSES = 4;

    static IntArray ids() {
        return new IntArray("ids", new int[] {3, 0, 3, 10, 7, 3, 1, 0, 9, 3, 5, 10, 2}); // repeats on purpose
    }

    static IntArray labels() {
        return new IntArray("labels", new int[] {2, 3, 2, 0, 1});
    }

    static IntArray drop() {
        return new IntArray("drop", new int[] {0, 1, 0, 0, 1});
    }

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray table = randn("table", V * D, r), dout = randn("dout", N * D, r);
        assertParity(Embedding.FORWARD, new int[] {N, D}, ids(), table, zeros("out", N * D), N, D);
        assertParity(Embedding.BACKWARD, new int[] {D}, ids(), dout, randn("dtable", V * D, r), N, D, V);

        FloatArray classEmb = randn("classEmb", CLASSES * D, r), fake = randn("fake", D, r), pos = randn("pos", S * D, r);
        assertParity(Embedding.CLASS_CONDITION_FORWARD, new int[] {B * S, D}, labels(), drop(), classEmb, fake, pos,
                zeros("out", B * S * D), B, S, D);
        assertParity(Embedding.CLASS_CONDITION_BACKWARD, new int[] {D}, labels(), drop(), randn("dout", B * S * D, r),
                randn("dClassEmb", CLASSES * D, r), randn("dFake", D, r), randn("dPos", S * D, r), B, S, D, CLASSES);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        FloatArray table = randn("table", V * D, r), out = zeros("out", N * D);
        float[] g = randn("g", N * D, r).array();
        DoubleSupplier loss = () -> {
            run(java(), Embedding.FORWARD, new int[] {N, D}, ids(), table, out, N, D);
            return GradCheck.weightedSum(out.array(), g);
        };
        FloatArray dtable = zeros("dtable", V * D);
        run(java(), Embedding.BACKWARD, new int[] {D}, ids(), of("dout", g), dtable, N, D, V);
        GradCheck.check("embedding dtable", loss, table.array(), dtable.array(), V * D, 1e-2f, 2e-3);

        FloatArray classEmb = randn("classEmb", CLASSES * D, r), fake = randn("fake", D, r), pos = randn("pos", S * D, r);
        FloatArray cc = zeros("out", B * S * D);
        float[] gc = randn("g", B * S * D, r).array();
        DoubleSupplier ccLoss = () -> {
            run(java(), Embedding.CLASS_CONDITION_FORWARD, new int[] {B * S, D}, labels(), drop(), classEmb, fake, pos, cc, B, S, D);
            return GradCheck.weightedSum(cc.array(), gc);
        };
        FloatArray dClassEmb = zeros("dClassEmb", CLASSES * D), dFake = zeros("dFake", D), dPos = zeros("dPos", S * D);
        run(java(), Embedding.CLASS_CONDITION_BACKWARD, new int[] {D}, labels(), drop(), of("dout", gc), dClassEmb, dFake,
                dPos, B, S, D, CLASSES);
        GradCheck.check("class_condition dClassEmb", ccLoss, classEmb.array(), dClassEmb.array(), CLASSES * D, 1e-2f, 2e-3);
        GradCheck.check("class_condition dFake", ccLoss, fake.array(), dFake.array(), D, 1e-2f, 2e-3);
        GradCheck.check("class_condition dPos", ccLoss, pos.array(), dPos.array(), S * D, 1e-2f, 2e-3);
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("ops_embedding");
        IntArray ids = new IntArray("ids", gold.ints("ids"));
        int n = ids.size(), v = gold.tensor("table").dim(0), d = gold.tensor("table").dim(1);
        FloatArray table = of("table", gold.f("table")), out = zeros("out", n * d);
        run(java(), Embedding.FORWARD, new int[] {n, d}, ids, table, out, n, d);
        Golden.assertMatches("embedding out", out.array(), gold.f("out"), 1e-4);
        FloatArray dtable = grad("dtable", v * d);
        run(java(), Embedding.BACKWARD, new int[] {d}, ids, of("dout", gold.f("dout")), dtable, n, d, v);
        Golden.assertMatches("embedding dtable", dtable.array(), accumulated(gold.f("dtable")), 1e-4);

        IntArray labels = new IntArray("labels", gold.ints("labels")), drop = new IntArray("drop", gold.ints("drop"));
        int b = labels.size(), s = gold.tensor("pos").dim(0), classes = gold.tensor("class_emb").dim(0);
        FloatArray classEmb = of("classEmb", gold.f("class_emb")), fake = of("fake", gold.f("fake")), pos = of("pos", gold.f("pos"));
        FloatArray cc = zeros("out", b * s * d);
        run(java(), Embedding.CLASS_CONDITION_FORWARD, new int[] {b * s, d}, labels, drop, classEmb, fake, pos, cc, b, s, d);
        Golden.assertMatches("class_condition out", cc.array(), gold.f("cc_out"), 1e-4);
        FloatArray dClassEmb = grad("dClassEmb", classes * d), dFake = grad("dFake", d), dPos = grad("dPos", s * d);
        run(java(), Embedding.CLASS_CONDITION_BACKWARD, new int[] {d}, labels, drop, of("dout", gold.f("cc_dout")),
                dClassEmb, dFake, dPos, b, s, d, classes);
        Golden.assertMatches("class_condition dClassEmb", dClassEmb.array(), accumulated(gold.f("cc_dclass_emb")), 1e-4);
        Golden.assertMatches("class_condition dFake", dFake.array(), accumulated(gold.f("cc_dfake")), 1e-4);
        Golden.assertMatches("class_condition dPos", dPos.array(), accumulated(gold.f("cc_dpos")), 1e-4);
    }

    @Test
    void javaRejectsIdsOutsideTheTable() {
        IntArray bad = new IntArray("ids", new int[] {0, V});
        var e = assertThrows(IllegalArgumentException.class, () -> Embedding.backward(0, D, bad.array(),
                new float[2 * D], new float[V * D], 2, D, V));
        assertTrue(e.getMessage().contains("ids[1] = " + V), e.getMessage());
    }
}
