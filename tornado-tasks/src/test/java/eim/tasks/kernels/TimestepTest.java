package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.testing.Golden;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TimestepTest {
    static final int MAX_PERIOD = 10000;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        int n = 7;
        FloatArray t = zeros("t", n);
        for (int i = 0; i < n; i++) {
            t.set(i, r.nextFloat());
        }
        // rows 2 and 3 repeat row 1's t (the fast path copies them); rows 5 and 6 are 0 and -0 (not copies)
        t.set(2, t.get(1));
        t.set(3, t.get(1));
        t.set(5, 0f);
        t.set(6, -0f);
        for (int dim : new int[] {256, 33}) {
            assertParity(Timestep.EMBEDDING, new int[] {n, dim / 2}, t, randn("out", n * dim, r), n, dim, MAX_PERIOD);
        }
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("ops_timestep");
        FloatArray t = of("t", gold.f("t"));
        int n = t.size();
        for (int dim : new int[] {256, 33}) {
            FloatArray out = filled("out", n * dim, Float.NaN); // every element must be written
            run(java(), Timestep.EMBEDDING, new int[] {n, dim / 2}, t, out, n, dim, MAX_PERIOD);
            Golden.assertMatches("timestep embedding dim " + dim, out.array(), gold.f("emb" + dim), 1e-4);
        }
    }
}
