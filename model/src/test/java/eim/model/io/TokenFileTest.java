package eim.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.tokenizer.TokenizerConfig;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token file: what is written is read back, and every malformed file is refused with its name. */
class TokenFileTest {
    static float[] ramp(int n, float scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(i * 0.37) * scale;
        }
        return v;
    }

    static void write(Path file, Map<String, Tensor> tensors, Map<String, String> meta) throws IOException {
        SafeTensors.write(file, tensors, meta);
    }

    @Test
    void roundTripKeepsTokensLabelsViewsAndMetadata(@TempDir Path dir) throws Exception {
        TokenizerConfig cfg = TokenizerConfig.preset("tiny");
        float[] tokens = ramp(3 * 4 * 2, 1), views = ramp(3 * 2 * 4 * 2, 2);
        TokenFile tf = TokenFile.of(tokens, 3, 4, 2, 0.25f).withLabels(new int[] {2, 0, 1}, List.of("a", "b c", "d,e"))
                .withViews(views, 2).withTokenizer(cfg).withProvenance(Map.of("sources", "x.png\ny.png\nz.png", "seed", "7"));
        Path f = dir.resolve("t.safetensors");
        tf.write(f);
        TokenFile r = TokenFile.read(f);
        assertArrayEquals(tokens, r.tokens());
        assertEquals(3, r.count());
        assertEquals(4, r.length());
        assertEquals(2, r.channels());
        assertArrayEquals(new int[] {2, 0, 1}, r.labels());
        assertEquals(List.of("a", "b c", "d,e"), r.classNames());
        assertEquals(3, r.numClasses());
        assertArrayEquals(views, r.views());
        assertEquals(2, r.viewCount());
        assertEquals(0.25f, r.vaeNorm());
        assertEquals(cfg, r.tokenizer());
        assertEquals("7", r.provenance().get("seed"));
        assertEquals(List.of("x.png", "y.png", "z.png"), r.provenanceList("sources"));
        assertArrayEquals(java.util.Arrays.copyOfRange(tokens, 8, 16), r.sequence(1));
        // readable as plain safetensors (Python): the tensors and the kind
        SafeTensors.Contents c = SafeTensors.read(f);
        assertEquals(TokenFile.KIND, c.metadata().get("kind"));
        assertTrue(c.tensors().get("labels").isInt());
        assertArrayEquals(new long[] {3, 2, 4, 2}, c.tensors().get("views").shape());

        // the minimum: tokens only, vae_norm unknown
        TokenFile bare = TokenFile.of(tokens, 3, 4, 2, null);
        bare.write(f);
        TokenFile b = TokenFile.read(f);
        assertNull(b.vaeNorm());
        assertFalse(b.hasLabels());
        assertFalse(b.hasViews());
        assertNull(b.tokenizer());
        assertEquals(List.of(), b.classNames());
    }

    @Test
    void earlierFilesAreRead(@TempDir Path dir) throws Exception {
        // the former 'sample' output: tokens + labels, no kind, provenance only
        Path sample = dir.resolve("sample.safetensors");
        write(sample, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "labels", Tensor.ofInts(new int[] {1, 4}, 2)),
                Map.of("checkpoint", "g.safetensors", "cfg", "3.0"));
        TokenFile s = TokenFile.read(sample);
        assertArrayEquals(new int[] {1, 4}, s.labels());
        assertNull(s.vaeNorm());
        assertEquals("g.safetensors", s.provenance().get("checkpoint"));
        // the former demo file: comma-joined class names and its vae_norm
        Path demo = dir.resolve("demo.safetensors");
        write(demo, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "labels", Tensor.ofInts(new int[] {0, 1}, 2)),
                Map.of("vae_norm", "0.8", "classes", "dunes,forest"));
        TokenFile d = TokenFile.read(demo);
        assertEquals(0.8f, d.vaeNorm());
        assertEquals(List.of("dunes", "forest"), d.classNames());
        // the former tokenize --no-scale: raw means, so the factor is 1 whatever vae_norm says
        Path raw = dir.resolve("raw.safetensors");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("kind", "eim-tokens");
        meta.put("scaled", "false");
        meta.put("vae_norm", "0.05493");
        write(raw, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2)), meta);
        assertEquals(1f, TokenFile.read(raw).vaeNorm());
    }

    /** The message of reading {@code file}, which must fail with an IOException naming it. */
    static String refused(Path file) {
        IOException e = assertThrows(IOException.class, () -> TokenFile.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void badFilesAreRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.safetensors");
        float[] nan = ramp(8, 1);
        nan[5] = Float.NaN;
        write(f, Map.of("tokens", Tensor.of(nan, 2, 2, 2)), Map.of("kind", TokenFile.KIND));
        assertTrue(refused(f).contains("tensor 'tokens': 1 of 8 values are NaN or infinite (the first, NaN, at index [1, 0, 1])"),
                refused(f));

        float[] inf = ramp(16, 1);
        inf[3] = Float.POSITIVE_INFINITY;
        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "views", Tensor.of(inf, 2, 2, 2, 2)), Map.of());
        assertTrue(refused(f).contains("tensor 'views': 1 of 16 values are NaN or infinite (the first, Infinity, at index [0, 0, 1, 1])"),
                refused(f));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "labels", Tensor.of(new float[] {0, 1}, 2)), Map.of());
        assertTrue(refused(f).contains("'labels' must be int32"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "labels", Tensor.ofInts(new int[] {0, -1}, 2)), Map.of());
        assertTrue(refused(f).contains("label -1 of sequence 1 is negative"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "labels", Tensor.ofInts(new int[] {0, 2}, 2)),
                Map.of("kind", TokenFile.KIND, "classes", "a\nb"));
        assertTrue(refused(f).contains("label 2 of sequence 1 is out of range: the file names 2 classes"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "labels", Tensor.ofInts(new int[] {0, 1, 1}, 3)), Map.of());
        assertTrue(refused(f).contains("'labels' must have shape (2)"));

        write(f, Map.of("z", Tensor.of(ramp(8, 1), 2, 2, 2)), Map.of());
        assertTrue(refused(f).contains("no tensor 'tokens'"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 4)), Map.of());
        assertTrue(refused(f).contains("(N, L, C)"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2), "views", Tensor.of(ramp(8, 1), 2, 1, 4, 1)), Map.of());
        assertTrue(refused(f).contains("'views' must be a float tensor (2, V, 2, 2)"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2)), Map.of("kind", "eim-tokenizer"));
        assertTrue(refused(f).contains("not a token file (metadata kind is 'eim-tokenizer'"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2)), Map.of("kind", TokenFile.KIND, "vae_norm", "NaN"));
        assertTrue(refused(f).contains("vae_norm 'NaN' is not a finite number > 0"));

        write(f, Map.of("tokens", Tensor.of(ramp(8, 1), 2, 2, 2)), Map.of("kind", TokenFile.KIND, "tokenizer.kind",
                "eim-tokenizer", "tokenizer.resolution", "x"));
        assertTrue(refused(f).contains("tokenizer"));

        assertTrue(refused(dir.resolve("missing.safetensors")).contains("no such token file"));
    }

    @Test
    void nonFiniteTokensAreNeverWritten(@TempDir Path dir) {
        float[] t = ramp(8, 1);
        t[7] = Float.NEGATIVE_INFINITY;
        Path f = dir.resolve("out.safetensors");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TokenFile.of(t, 2, 2, 2, 1f).write(f));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("-Infinity"), e.getMessage());
        assertFalse(Files.exists(f));
        assertThrows(IllegalArgumentException.class, () -> TokenFile.of(ramp(8, 1), 2, 2, 2, 1f).withLabels(new int[] {0, -2}, List.of()));
        assertThrows(IllegalArgumentException.class, () -> TokenFile.of(ramp(8, 1), 2, 2, 2, 0f));
        assertThrows(IllegalArgumentException.class, () -> TokenFile.of(ramp(8, 1), 2, 2, 2, 1f).withProvenance(Map.of("vae_norm", "2")));
    }
}
