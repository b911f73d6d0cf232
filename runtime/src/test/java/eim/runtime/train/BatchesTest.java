package eim.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import eim.model.generator.GeneratorConfig;
import eim.model.generator.TrainingPass;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Data-parallel shards of a batch carry exactly the whole batch's draws for their samples. */
class BatchesTest {
    static final GeneratorConfig CFG = new GeneratorConfig(TokenDatasetTest.C, 32, 2, 4, 4, 4, 3, 4, 3, 0.5f, 0.1f,
            0.1f, 32, 2, 3, TokenDatasetTest.L, 10000f);

    @Test
    void shardsReproduceTheWholeBatch() throws Exception {
        // views and posterior noise on: every draw of the recipe is exercised; 5 sequences, batch 6: epochs wrap
        TokenDataset d = TokenDatasetTest.dataset(TokenDatasetTest.file(5, 3, 0.5f)).withPosteriorStd(2.5f);
        Batches batches = new Batches(d, CFG, 6, 11);
        int l = TokenDatasetTest.L, c = TokenDatasetTest.C, mul = CFG.diffusionBatchMul();
        for (long s : new long[] {0, 1, 7}) {
            TrainingPass.Batch whole = batches.batch(s);
            int[][] cuts = {{0, 1, 6}, {0, 2, 4, 6}, {0, 3, 6}};
            for (int[] cut : cuts) {
                for (int q = 0; q + 1 < cut.length; q++) {
                    int lo = cut[q], hi = cut[q + 1], n = hi - lo;
                    TrainingPass.Batch sh = batches.shard(s, lo, hi);
                    String at = "step " + s + " shard [" + lo + ", " + hi + ")";
                    assertArrayEquals(Arrays.copyOfRange(whole.tokens(), lo * l * c, hi * l * c), sh.tokens(), at);
                    assertArrayEquals(Arrays.copyOfRange(whole.labels(), lo, hi), sh.labels(), at);
                    assertArrayEquals(Arrays.copyOfRange(whole.dropMask(), lo, hi), sh.dropMask(), at);
                    assertEquals(whole.shift(), sh.shift(), at);
                    for (int m = 0; m < mul; m++) {
                        int w = m * 6 * l + lo * l, o = m * n * l;
                        assertArrayEquals(Arrays.copyOfRange(whole.t(), w, w + n * l),
                                Arrays.copyOfRange(sh.t(), o, o + n * l), at + " t, repeat " + m);
                        assertArrayEquals(Arrays.copyOfRange(whole.noise(), w * c, (w + n * l) * c),
                                Arrays.copyOfRange(sh.noise(), o * c, (o + n * l) * c), at + " noise, repeat " + m);
                    }
                    // the whole batch's dropout seed, and its first sample: the kernels draw its masks as the batch's
                    assertEquals(whole.seed(), sh.seed(), at + " dropout seed");
                    assertEquals(lo, sh.first(), at + " first sample");
                    assertEquals(0, whole.first(), at);
                }
            }
        }
        // the draws differ between samples and steps (no stream reused)
        TrainingPass.Batch b0 = batches.batch(0), b1 = batches.batch(1);
        assertNotEquals(b0.t()[0], b0.t()[l]);
        assertNotEquals(b0.t()[0], b1.t()[0]);
        assertThrows(IllegalArgumentException.class, () -> batches.shard(0, 4, 7));
    }

    @Test
    void aDeserialisedCopyMakesTheSameBatches() throws Exception {
        TokenDataset d = TokenDatasetTest.dataset(TokenDatasetTest.file(5, 2, 0.5f)).withPosteriorStd(2.5f);
        Batches batches = new Batches(d, CFG, 4, 3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(batches);
        }
        Batches copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (Batches) in.readObject();
        }
        TrainingPass.Batch a = batches.shard(5, 1, 3), b = copy.shard(5, 1, 3);
        assertArrayEquals(a.tokens(), b.tokens());
        assertArrayEquals(a.noise(), b.noise());
        assertEquals(a.seed(), b.seed());
    }
}
