package eim.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.generator.EquivariantGenerator;
import eim.model.io.GeneratorCheckpoint;
import eim.model.generator.TrainingPass;
import eim.model.io.TokenFile;
import eim.model.tokenizer.TokenizerConfig;
import eim.tasks.backend.JavaDevice;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generator's data recipe: a random view per sequence and batch, plus the authors' posterior sample times vae_norm. */
class TokenDatasetTest {
    static final int L = 8, C = 4, SEQ = L * C;

    /** n sequences whose every value is the index (tokens) or 1000 + 10 * index + view (views); labels index % 3. */
    static TokenFile file(int n, int views, Float vaeNorm) {
        float[] t = new float[n * SEQ], v = new float[n * views * SEQ];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            java.util.Arrays.fill(t, i * SEQ, (i + 1) * SEQ, i);
            for (int k = 0; k < views; k++) {
                java.util.Arrays.fill(v, (i * views + k) * SEQ, (i * views + k + 1) * SEQ, 1000 + 10 * i + k);
            }
        }
        TokenFile f = TokenFile.of(t, n, L, C, vaeNorm).withLabels(labels, List.of("a", "b", "c"));
        return views > 0 ? f.withViews(v, views) : f;
    }

    static TokenDataset dataset(TokenFile f) throws IOException {
        return TokenDataset.of(List.of(f), List.of(Path.of("t.safetensors")), null);
    }

    /** withLength keeps the first positions of every sequence and view, in order. */
    @Test
    void theFirstPositionsOnly() throws Exception {
        int n = 3, views = 2;
        float[] t = new float[n * SEQ], v = new float[n * views * SEQ];
        for (int i = 0; i < n; i++) {
            for (int l = 0; l < L; l++) {
                java.util.Arrays.fill(t, (i * L + l) * C, (i * L + l + 1) * C, 100 * i + l);
                for (int k = 0; k < views; k++) {
                    java.util.Arrays.fill(v, ((i * views + k) * L + l) * C, ((i * views + k) * L + l + 1) * C,
                            1000 + 100 * (i * views + k) + l);
                }
            }
        }
        TokenFile f = TokenFile.of(t, n, L, C, 0.5f).withLabels(new int[] {0, 1, 2}, List.of("a", "b", "c")).withViews(v, views);
        TokenDataset d = dataset(f).withPosteriorStd(0).withLength(3);
        assertEquals(3, d.length());
        float[] x = new float[3 * C];
        d.copySequence(2, x, 0);
        assertEquals(200f, x[0]);
        assertEquals(202f, x[2 * C], "position 2 of sequence 2");
        SplittableRandom r = new SplittableRandom(4);
        for (int draw = 0; draw < 20; draw++) {
            d.trainingSequence(1, x, 0, r);
            float base = x[0] - 1000;
            assertTrue(base == 200 || base == 300, "a view of sequence 1: " + x[0]);
            assertEquals(x[0] + 2, x[2 * C], "the view's positions 0..2, in order");
        }
        assertThrows(IllegalArgumentException.class, () -> dataset(f).withLength(L + 1));
    }

    @Test
    void withoutNoiseABatchIsOneOfTheStoredViewsPickedUniformly() throws Exception {
        TokenDataset d = dataset(file(4, 3, 0.5f)).withPosteriorStd(0);
        assertEquals(3, d.viewCount());
        int[] picked = new int[3];
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[SEQ];
        for (int draw = 0; draw < 3000; draw++) {
            d.trainingSequence(2, x, 0, r);
            int view = Math.round(x[0]) - 1020;
            assertTrue(view >= 0 && view < 3, "a view of sequence 2, got " + x[0]);
            for (float e : x) {
                assertEquals(x[0], e, "the whole stored view, unchanged");
            }
            picked[view]++;
        }
        for (int p : picked) {
            assertEquals(1000, p, 100, "views picked uniformly: " + java.util.Arrays.toString(picked));
        }
        // without views and noise: exactly the stored means
        TokenDataset plain = d.withoutViews();
        plain.trainingSequence(3, x, 0, r);
        float[] stored = new float[SEQ];
        plain.copySequence(3, stored, 0);
        assertArrayEquals(stored, x);
        assertEquals(3f, x[5]);
    }

    @Test
    void posteriorNoiseIsTheAuthorsSampleTimesVaeNorm() throws Exception {
        int l = 64, c = 64, n = 2000;
        float vaeNorm = 0.5f;
        TokenFile zeros = TokenFile.of(new float[l * c], 1, l, c, vaeNorm).withLabels(new int[] {0}, List.of());
        TokenDataset d = TokenDataset.of(List.of(zeros), List.of(Path.of("z.safetensors")), null);
        assertEquals(TokenDataset.AUTHORS_POSTERIOR_STD, d.posteriorStd(), "no tokenizer named: the authors' 2.5");
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[l * c];
        int clamped = 0, small = 0;
        double max = 0, sum = 0;
        for (int k = 0; k < n; k++) {
            d.trainingSequence(0, x, 0, r);
            double sq = 0, half = 0;
            for (int i = 0; i < x.length; i++) {
                sq += x[i] * x[i];
                sum += x[i];
                if (i < x.length / 2) {
                    half += x[i] * x[i];
                }
            }
            double s = Math.sqrt(sq / x.length) / vaeNorm; // |s| of this sequence, in latent units
            max = Math.max(max, s);
            clamped += s > 2.5 * 0.95 ? 1 : 0;
            small += s < 0.5 ? 1 : 0;
            if (s > 0.5) { // one s for the whole sequence: both halves have the same spread
                assertEquals(1, Math.sqrt(2 * half / sq), 0.1, "sequence " + k);
            }
        }
        assertTrue(max < 2.5 * 1.05, "s is clamped to 2.5 (x vae_norm): max " + max);
        // |s| = |N| x 2.5 / 0.8 clamped at 2.5: P(|s| > 2.375) = P(|N| > 0.76) = 0.447; P(|s| < 0.5) = P(|N| < 0.16) = 0.127
        assertEquals(0.447, clamped / (double) n, 0.04, "share of sequences at the clamp");
        assertEquals(0.127, small / (double) n, 0.03, "share of almost noise-free sequences (s per sequence, not per element)");
        assertEquals(0, sum / ((double) n * x.length), 2e-3, "zero-mean noise");

        // the tokenizer's own std when the token file names it (the authors' GaussianDistribution uses the tokenizer's)
        TokenizerConfig tiny = TokenizerConfig.preset("tiny");
        TokenizerConfig small05 = new TokenizerConfig(16, 3, 8, new int[] {1, 2}, 1, new int[] {8}, 4, 8, 4, 0.5f, 1f);
        assertEquals(tiny.std(), dataset(file(3, 0, 1f).withTokenizer(tiny)).posteriorStd());
        assertEquals(0.5f, dataset(file(3, 0, 1f).withTokenizer(small05)).posteriorStd());
        // no recorded vae_norm: noise cannot be scaled, so it is off, and asking for it is an error
        assertEquals(0f, dataset(file(3, 0, null)).posteriorStd());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> dataset(file(3, 0, null)).withPosteriorStd(1f));
        assertTrue(e.getMessage().contains("--posterior-std 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> dataset(file(3, 0, 1f)).withPosteriorStd(Float.NaN));
    }

    @Test
    void batchesAreAFunctionOfTheSeedAndStepAndTheCheckpointRecordsTheData(@TempDir Path dir) throws Exception {
        TokenDataset noisy = dataset(file(6, 2, 0.5f)).withPosteriorStd(2.5f);
        float[] a, b, other;
        try (JavaDevice dev = new JavaDevice()) {
            try (GeneratorTrainer t1 = trainer(noisy, 7, dir, dev); GeneratorTrainer t2 = trainer(noisy, 7, dir, dev);
                 GeneratorTrainer t3 = trainer(noisy, 8, dir, dev)) {
                a = t1.batch(3).tokens();
                b = t2.batch(3).tokens();
                other = t3.batch(3).tokens();
                assertArrayEquals(a, b, "same seed and step, same batch");
                assertFalse(java.util.Arrays.equals(a, other), "another seed, another batch");
                assertFalse(java.util.Arrays.equals(a, t1.batch(4).tokens()), "another step, another batch");
                t1.saveCheckpoint(dir.resolve("g.safetensors"));
            }
            GeneratorCheckpoint.Loaded ck = GeneratorCheckpoint.load(dir.resolve("g.safetensors"));
            assertEquals(0.5f, ck.vaeNorm());
            assertEquals(List.of("a", "b", "c"), ck.classNames());
            assertEquals("2.5", ck.metadata().get("train.posterior_std"));
            assertEquals("2", ck.metadata().get("train.views"));

            // the recipe has its own random stream: with it off, every other draw of the batch is unchanged
            TokenDataset off = noisy.withPosteriorStd(0).withoutViews();
            try (GeneratorTrainer t1 = trainer(noisy, 7, dir, dev); GeneratorTrainer t0 = trainer(off, 7, dir, dev)) {
                TrainingPass.Batch on = t1.batch(3), plain = t0.batch(3);
                assertArrayEquals(on.labels(), plain.labels());
                assertArrayEquals(on.noise(), plain.noise());
                assertArrayEquals(on.t(), plain.t());
                assertEquals(on.shift(), plain.shift());
                for (int j = 0; j < plain.labels().length; j++) {
                    int index = Math.round(plain.tokens()[j * SEQ]);
                    assertEquals(index % 3, plain.labels()[j]);
                    float[] stored = new float[SEQ];
                    off.copySequence(index, stored, 0);
                    assertArrayEquals(stored, java.util.Arrays.copyOfRange(plain.tokens(), j * SEQ, (j + 1) * SEQ),
                            "no views, no noise: the stored means");
                }
            }
        }
    }

    static GeneratorTrainer trainer(TokenDataset d, long seed, Path dir, JavaDevice dev) {
        EquivariantGenerator m = new EquivariantGenerator(GeneratorTrainerTest.CFG).initialize(1);
        return new GeneratorTrainer(m, d, new TrainOptions(4, 10, 1e-3f, 0, "constant", 0f, 0.02f, 3f, 0.99f, seed, 10, 1000,
                dir), dev, null);
    }

    @Test
    void labelsAreRequiredAndCoverTheClasses() throws Exception {
        TokenFile unlabelled = TokenFile.of(new float[2 * SEQ], 2, L, C, 1f);
        IOException e = assertThrows(IOException.class,
                () -> TokenDataset.of(List.of(unlabelled), List.of(Path.of("u.safetensors")), null));
        assertTrue(e.getMessage().startsWith("u.safetensors: the token file has no labels") && e.getMessage().contains("--classes 1"),
                e.getMessage());
        TokenDataset one = TokenDataset.of(List.of(unlabelled), List.of(Path.of("u.safetensors")), 1);
        assertEquals(1, one.numClasses());
        assertEquals(0, one.label(1));

        assertEquals(3, dataset(file(2, 0, 1f)).numClasses(), "the names count, though label 2 is unused");
        assertEquals(10, TokenDataset.of(List.of(file(3, 0, 1f)), List.of(Path.of("t")), 10).numClasses());
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> TokenDataset.of(List.of(file(3, 0, 1f)), List.of(Path.of("t")), 2));
        assertTrue(few.getMessage().contains("--classes 2 is too few"), few.getMessage());

        // two files of one training set must agree
        IOException mismatch = assertThrows(IOException.class, () -> TokenDataset.of(List.of(file(3, 0, 1f), file(3, 0, 2f)),
                List.of(Path.of("a"), Path.of("b")), null));
        assertTrue(mismatch.getMessage().startsWith("b: vae_norm"), mismatch.getMessage());
        TokenDataset two = TokenDataset.of(List.of(file(3, 2, 1f), file(2, 2, 1f)), List.of(Path.of("a"), Path.of("b")), null);
        assertEquals(5, two.size());
        assertEquals(Map.of("vae_norm", "1.0", "classes", "a\nb\nc", "train.posterior_std", "2.5", "train.views", "2"),
                two.checkpointMetadata());
    }
}
