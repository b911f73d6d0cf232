package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.data.Images;
import eim.model.io.TokenizerCheckpoint;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** import and generate as a user runs them, on the authors'-format tiny checkpoints and on random presets. */
class GenerateCommandTest {
    static String resource(String name) throws Exception {
        return eim.tasks.testing.TestResources.file("/ckpt/" + name).toString();
    }

    /** Runs a command line; returns its exit code and what it wrote to stderr. */
    static Object[] run(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            return new Object[] {Main.run(args), captured.toString()};
        } finally {
            System.setErr(err);
        }
    }

    static List<String> pngs(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void importedAndOriginalCheckpointsGenerateTheSameImages(@TempDir Path dir) throws Exception {
        Path gen = dir.resolve("g.safetensors"), tok = dir.resolve("t.safetensors");
        assertEquals(0, run("import", resource("generator_tiny.ckpt"), gen.toString(), "--heads", "2")[0]);
        assertEquals(0, run("import", resource("tokenizer_tiny.ckpt"), tok.toString(), "--groups", "4")[0]);
        TokenizerConfig c = TokenizerCheckpoint.config(tok);
        assertEquals(8, c.resolution());
        assertEquals(4, c.groups());

        String[] common = {"--class", "1,4", "--count", "2", "--width", "5", "--steps", "2", "--cfg", "2", "--seed", "7",
                "--batch", "3"};
        Path a = dir.resolve("a"), b = dir.resolve("b");
        assertEquals(0, run(concat(new String[] {"generate", "--generator", gen.toString(), "--tokenizer", tok.toString(),
                "--out", a.toString()}, common))[0]);
        assertEquals(0, run(concat(new String[] {"generate", "--generator", resource("generator_tiny.ckpt"), "--heads", "2",
                "--tokenizer", resource("tokenizer_tiny.ckpt"), "--groups", "4", "--out", b.toString()}, common))[0]);
        List<String> names = List.of("class1_000.png", "class1_001.png", "class4_000.png", "class4_001.png");
        assertEquals(names, pngs(a));
        assertEquals(names, pngs(b));
        for (String n : names) {
            BufferedImage x = Images.read(a.resolve(n)), y = Images.read(b.resolve(n));
            assertEquals(10, x.getWidth(), "5 tokens x 2 px");
            assertEquals(8, x.getHeight());
            assertArrayEquals(x.getRGB(0, 0, 10, 8, null, 0, 10), y.getRGB(0, 0, 10, 8, null, 0, 10), n);
        }
        BufferedImage first = Images.read(a.resolve(names.get(0))), second = Images.read(a.resolve(names.get(1)));
        assertTrue(!java.util.Arrays.equals(first.getRGB(0, 0, 10, 8, null, 0, 10), second.getRGB(0, 0, 10, 8, null, 0, 10)),
                "two images of one class differ (different noise)");
    }

    @Test
    void randomPresetsRunWithoutFiles(@TempDir Path dir) throws Exception {
        Object[] r = run("generate", "--random-weights", "--generator-preset", "tiny", "--tokenizer-preset", "mini",
                "--class", "3", "--width", "3", "--steps", "1", "--out", dir.toString());
        assertEquals(0, r[0], (String) r[1]);
        BufferedImage img = Images.read(dir.resolve("class3_000.png"));
        assertEquals(6, img.getWidth(), "3 tokens x 2 px (mini tokenizer)");
        assertEquals(32, img.getHeight());
    }

    @Test
    void eimAlonePrintsUsageAndExits2() {
        Object[] r = run();
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("missing command") && ((String) r[1]).contains("Usage: eim"), (String) r[1]);
    }

    @Test
    void clearErrors(@TempDir Path dir) throws Exception {
        Object[] r = run("generate", "--random-weights", "--generator-preset", "tiny", "--tokenizer-preset", "tiny",
                "--class", "0", "--out", dir.toString());
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("16-channel tokens") && ((String) r[1]).contains("8-channel"), (String) r[1]);

        r = run("import", resource("tokenizer_tiny.ckpt"), dir.resolve("x.safetensors").toString(), "--heads", "2");
        assertEquals(2, r[0]);
        assertTrue(((String) r[1]).contains("--heads/--window are for generators"), (String) r[1]);

        r = run("import", resource("pickle_protocol2.ckpt"), dir.resolve("y.safetensors").toString());
        assertEquals(1, r[0], "a bad file is a runtime failure (1), not a usage error (2)");
        assertTrue(((String) r[1]).contains("neither a generator checkpoint"), (String) r[1]);

        r = run("generate", "--generator", resource("generator_tiny.ckpt"), "--class", "0");
        assertEquals(2, r[0], "--generator needs --tokenizer");

        for (String cfg : new String[] {"NaN", "Infinity", "-Infinity"}) {
            r = run("generate", "--generator", resource("generator_tiny.ckpt"), "--heads", "2", "--tokenizer",
                    resource("tokenizer_tiny.ckpt"), "--groups", "4", "--class", "0", "--width", "2", "--steps", "1",
                    "--cfg", cfg, "--out", dir.resolve("nan").toString());
            assertEquals(2, r[0], "--cfg " + cfg);
            assertTrue(((String) r[1]).contains("--cfg must be a finite number > 0"), (String) r[1]);
            assertTrue(!Files.exists(dir.resolve("nan")) || pngs(dir.resolve("nan")).isEmpty(), "no image written");
        }
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
