package eim.runtime.cli;

import eim.runtime.cli.Cli.Run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import eim.tasks.testing.Tmpfs;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every bad input a user can give, through {@link Main#run} as the tool runs it: each gets one line
 * "error: ..." naming the file or option and the reason, exit code 2 (usage) or 1 (runtime failure),
 * no stack trace, and no output file. The messages are collected in target/bad-inputs.md.
 */
class BadInputTest {

    @TempDir static Path fixtures;
    @TempDir Path dir;

    static Path tok, gen, images, tokens, samples;
    static final List<String> tried = new ArrayList<>();

    static Run eim(String... args) {
        return Cli.eim(args);
    }

    static String resource(String name) {
        return eim.tasks.testing.TestResources.file("/ckpt/" + name).toString();
    }

    /** Small real files: an imported tokenizer and generator, images, a token file, sampled tokens. */
    @BeforeAll
    static void makeFixtures() throws Exception {
        tok = fixtures.resolve("t.safetensors");
        gen = fixtures.resolve("g.safetensors");
        images = fixtures.resolve("images");
        tokens = fixtures.resolve("tokens.safetensors");
        samples = fixtures.resolve("samples.safetensors");
        ok(eim("import", resource("tokenizer_tiny.ckpt"), tok.toString(), "--groups", "4"));
        ok(eim("import", resource("generator_tiny.ckpt"), gen.toString(), "--heads", "2"));
        ok(eim("tokenizer", "scenes", "--out", images.toString(), "--count", "3", "--width", "16", "--height", "8"));
        ok(eim("tokenize", "--checkpoint", tok.toString(), "--out", tokens.toString(), images.toString()));
        ok(eim("sample", "--checkpoint", gen.toString(), "--labels", "0,1", "--length", "3", "--steps", "1",
                "--out", samples.toString()));
    }

    static void ok(Run r) {
        assertEquals(0, r.code(), r.err());
    }

    @AfterAll
    static void writeNotes() throws IOException {
        Path notes = Path.of("target", "bad-inputs.md");
        Files.createDirectories(notes.getParent());
        Files.writeString(notes, "| bad input | exit | message |\n|---|---|---|\n" + String.join("\n", tried) + "\n");
    }

    /**
     * Checks a failed run: the exit code, exactly one "error: " line on stderr and nothing else but
     * warnings, the fragments in it, no stack trace; records it for the notes.
     */
    static String fails(String what, int code, Run r, String... fragments) {
        assertEquals(code, r.code(), what + ": " + r.err());
        List<String> lines = r.err().lines().filter(l -> !l.isBlank() && !l.startsWith("warning: ")).toList();
        assertEquals(1, lines.size(), what + ": one line on stderr, got\n" + r.err());
        String line = lines.get(0);
        assertTrue(line.startsWith("error: "), what + ": " + line);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in") || r.err().contains("Error:"),
                what + ": a stack trace\n" + r.err());
        for (String f : fragments) {
            assertTrue(line.contains(f), what + ": expected '" + f + "' in\n" + line);
        }
        tried.add("| " + what + " | " + r.code() + " | `" + line.replaceAll("/tmp/junit-?[0-9]+", "<tmp>").replaceAll("/[^ ]*/target/test-classes", "<resources>")
                .replace("|", "\\|") + "` |");
        return line;
    }

    static void absent(Path... outputs) {
        for (Path p : outputs) {
            assertFalse(Files.exists(p), p + " must not be written");
        }
    }

    static List<String> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ------------------------------------------------------------------ exit codes, per command family

    @Test
    void usageErrorsExit2AndRuntimeFailuresExit1InEveryCommand() throws Exception {
        Path out = dir.resolve("out");
        String[] rand = {"generate", "--random-weights", "--generator-preset", "tiny", "--tokenizer-preset", "mini",
                "--class", "0", "--out", out.toString()};
        fails("generate --count 0", 2, eim(cat(rand, "--count", "0")), "--count and --batch must be > 0");
        fails("generate --steps 0", 2, eim(cat(rand, "--steps", "0")), "--steps must be > 0, got 0");
        fails("generate --device bogus", 2, eim(cat(rand, "--device", "bogus")), "--device: unknown device 'bogus'");
        fails("generate --generator-preset bogus", 2, eim("generate", "--random-weights", "--generator-preset", "bogus",
                "--class", "0", "--out", out.toString()), "--generator-preset: unknown generator preset 'bogus'");
        fails("generate, presets of different token channels", 2, eim("generate", "--random-weights", "--generator-preset",
                "tiny", "--tokenizer-preset", "tiny", "--class", "0", "--out", out.toString()), "16-channel", "8-channel");
        fails("generate, a missing generator file", 1, eim("generate", "--generator", dir.resolve("none.safetensors").toString(),
                "--tokenizer", tok.toString(), "--class", "0", "--out", out.toString()), "none.safetensors: no such checkpoint file");
        fails("generate without --class (picocli)", 2, eim("generate", "--random-weights", "--out", out.toString()),
                "Missing required option: '--class", "(see 'eim generate --help')");
        fails("sample --sampler bogus", 2, eim("sample", "--checkpoint", gen.toString(), "--labels", "0", "--sampler", "bogus",
                "--out", dir.resolve("s.safetensors").toString()), "--sampler must be incremental or full, got bogus");
        fails("sample --cfg NaN", 2, eim("sample", "--checkpoint", gen.toString(), "--labels", "0", "--cfg", "NaN",
                "--out", dir.resolve("s.safetensors").toString()), "--cfg must be a finite number > 0, got NaN");
        fails("sample, a missing checkpoint", 1, eim("sample", "--checkpoint", dir.resolve("none.safetensors").toString(),
                "--labels", "0", "--out", dir.resolve("s.safetensors").toString()), "none.safetensors: no such checkpoint file");
        fails("tokenize --batch 0", 2, eim("tokenize", "--checkpoint", tok.toString(), "--batch", "0", "--out",
                dir.resolve("t.safetensors").toString(), images.toString()), "--batch must be > 0, got 0");
        fails("tokenize --width 7", 2, eim("tokenize", "--checkpoint", tok.toString(), "--width", "7", "--out",
                dir.resolve("t.safetensors").toString(), images.toString()), "--width: image width 7 must be a multiple of 2");
        fails("tokenize, a missing image folder", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out",
                dir.resolve("t.safetensors").toString(), dir.resolve("nothing").toString()), "nothing: no such image file or folder");
        fails("decode --index out of range", 2, eim("decode", "--checkpoint", tok.toString(), "--tokens", tokens.toString(),
                "--index", "99", "--out", dir.resolve("x.png").toString()), "--index 99 is outside the 3 items of");
        fails("decode, a missing token file", 1, eim("decode", "--checkpoint", tok.toString(), "--tokens",
                dir.resolve("none.safetensors").toString(), "--out", dir.resolve("x.png").toString()), "none.safetensors");
        fails("train --preset bogus", 2, eim("train", "--data", samples.toString(), "--preset", "bogus", "--out",
                out.toString()), "--preset: unknown generator preset 'bogus'");
        fails("train --schedule bogus", 2, eim("train", "--data", samples.toString(), "--schedule", "bogus", "--out",
                out.toString()), "--schedule must be constant or cosine, got bogus");
        fails("train, missing data", 1, eim("train", "--data", dir.resolve("none.safetensors").toString(), "--out",
                out.toString()), "none.safetensors");
        fails("tokenizer train --preset bogus", 2, eim("tokenizer", "train", "--synthetic", "2", "--preset", "bogus",
                "--out", dir.resolve("k.safetensors").toString()), "--preset: unknown tokenizer preset 'bogus'");
        fails("tokenizer train --batch 0", 2, eim("tokenizer", "train", "--synthetic", "2", "--batch", "0",
                "--out", dir.resolve("k.safetensors").toString()), "batch must be >= 1");
        fails("tokenizer train without --data or --synthetic", 2, eim("tokenizer", "train", "--out",
                dir.resolve("k.safetensors").toString()), "give --data FOLDER (images) or --synthetic N");
        fails("tokenizer train, a missing image folder", 1, eim("tokenizer", "train", "--data", dir.resolve("none").toString(),
                "--out", dir.resolve("k.safetensors").toString()), "none: no such image file or folder");
        fails("import --heads for a tokenizer", 2, eim("import", resource("tokenizer_tiny.ckpt"),
                dir.resolve("i.safetensors").toString(), "--heads", "2"), "--heads/--window are for generators");
        fails("import, not a checkpoint", 1, eim("import", images.resolve("scene_0000.png").toString(),
                dir.resolve("i.safetensors").toString()), "scene_0000.png: not a PyTorch checkpoint");
        fails("import, a missing file", 1, eim("import", dir.resolve("none.ckpt").toString(),
                dir.resolve("i.safetensors").toString()), "none.ckpt: no such file");
        fails("inspect without FILE (picocli)", 2, eim("inspect"), "Missing required parameter: 'FILE'");
        fails("inspect, a missing file", 1, eim("inspect", dir.resolve("none.ckpt").toString()), "none.ckpt: no such file");
        fails("demo --minutes 0", 2, eim("demo", "--minutes", "0", "--out", out.toString()), "--minutes must be a finite number > 0");
        fails("forward without --labels (picocli)", 2, eim("forward", "--checkpoint", gen.toString(), "--tokens",
                samples.toString(), "--out", dir.resolve("z.safetensors").toString()), "Missing required option: '--labels");
        fails("forward, a missing token file", 1, eim("forward", "--checkpoint", gen.toString(), "--tokens",
                dir.resolve("none.safetensors").toString(), "--labels", "0", "--out", dir.resolve("z.safetensors").toString()),
                "none.safetensors");
        fails("devices --bogus (picocli)", 2, eim("devices", "--bogus"), "Unknown option: '--bogus'");
        fails("an unknown command (picocli)", 2, eim("bogus"), "Unmatched argument at index 0: 'bogus'");
        absent(out, dir.resolve("s.safetensors"), dir.resolve("t.safetensors"), dir.resolve("x.png"),
                dir.resolve("k.safetensors"), dir.resolve("i.safetensors"), dir.resolve("z.safetensors"));
    }

    // ------------------------------------------------------------------ out of memory

    /**
     * A real OutOfMemoryError: the command runs in a JVM of 64 MiB and builds an H-size generator
     * (600 M parameters). Not simulated.
     */
    @Test
    void outOfMemoryNamesTheCommandAndEimJavaOpts() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path out = dir.resolve("gen");
        Process p = new ProcessBuilder(java, "-Xmx64m", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", cp, Main.class.getName(), "generate", "--random-weights",
                "--generator-preset", "H", "--tokenizer-preset", "official", "--class", "0", "--out", out.toString())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the forked JVM finishes");
        String line = fails("out of memory (a 64 MiB heap building an H generator)", 1, new Run(p.exitValue(), "",
                err.replace("WARNING: Using incubator modules: jdk.incubator.vector\n", "")),
                "error: out of memory (eim generate: Java heap space, heap limit ", "raise the heap with EIM_JAVA_OPTS=-Xmx1g");
        assertTrue(line.endsWith("(scripts/eim's default is 75% of the machine's memory), or use smaller sizes"), line);
        absent(out);
    }

    // ------------------------------------------------------------------ readers

    @Test
    void tokensWithNaNAreRefusedWhenRead() throws Exception {
        Path nan = dir.resolve("nan.safetensors");
        float[] v = new float[2 * 3 * 16];
        v[17] = Float.NaN;
        v[40] = Float.POSITIVE_INFINITY;
        SafeTensors.write(nan, Map.of("tokens", Tensor.of(v, 2, 3, 16)), Map.of());
        Path z = dir.resolve("z.safetensors");
        fails("tokens with NaN/Inf (forward)", 1, eim("forward", "--checkpoint", gen.toString(), "--tokens", nan.toString(),
                "--labels", "0,1", "--out", z.toString()), nan + ": tensor 'tokens': 2 of 96 values are NaN or infinite "
                + "(the first, NaN, at index [0, 1, 1])");
        absent(z);
    }

    @Test
    void imagesWithNaNAreRefusedWhenReadAndNothingIsLost() throws Exception {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_FLOAT);
        WritableRaster r = cm.createCompatibleWritableRaster(16, 8);
        r.setSample(5, 2, 1, Float.NaN);
        Path tif = dir.resolve("nan.tif");
        assertTrue(ImageIO.write(new BufferedImage(cm, r, false, null), "tiff", tif.toFile()));
        Path out = dir.resolve("tokens.safetensors");
        Files.writeString(out, "an earlier result");
        fails("an image with NaN (a float TIFF)", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out", out.toString(),
                tif.toString()), tif + " (row 2 of a 16x8 float image, index [x, channel]): 1 of 48 values are NaN or infinite "
                + "(the first, NaN, at index [5, 1])");
        assertEquals("an earlier result", Files.readString(out), "a failed run leaves the earlier file alone");
    }

    @Test
    void anImageTooLargeToDecodeIsRefusedFromItsHeader() throws Exception {
        Path huge = dir.resolve("huge.png");
        Files.write(huge, pngHeader(20000, 20000));
        Path out = dir.resolve("t.safetensors");
        long t0 = System.nanoTime();
        fails("an image of 20000 x 20000 px", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out", out.toString(),
                huge.toString()), huge + ": image of 20000 x 20000 pixels (381 Mpixel) is over the 64 Mpixel limit: scale it down first");
        assertTrue(System.nanoTime() - t0 < 20e9, "refused from the header, not decoded");
        absent(out);
    }

    /** A PNG that is only its signature, an IHDR of {@code w x h} RGB and IEND: no pixel data. */
    static byte[] pngHeader(int w, int h) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(b);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 2).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(d, "IHDR", ihdr.array());
        chunk(d, "IEND", new byte[0]);
        return b.toByteArray();
    }

    static void chunk(DataOutputStream d, String type, byte[] data) throws IOException {
        d.writeInt(data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        d.write(t);
        d.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        d.writeInt((int) crc.getValue());
    }

    /** {@code file}'s tensors with some metadata fields replaced. */
    static Path withMetadata(Path file, Path to, String... keyValues) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file);
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        for (int i = 0; i < keyValues.length; i += 2) {
            meta.put(keyValues[i], keyValues[i + 1]);
        }
        SafeTensors.write(to, c.tensors(), meta);
        return to;
    }

    @Test
    void absurdCheckpointSizesAreCheckedAgainstTheTensorsBeforeAllocating() throws Exception {
        Path s = dir.resolve("s.safetensors");
        Path wide = withMetadata(gen, dir.resolve("wide.safetensors"), "width", "1048576");
        fails("generator metadata width 1048576", 1, eim("sample", "--checkpoint", wide.toString(), "--labels", "0",
                "--out", s.toString()), wide + ": the metadata's config (width 1048576, depth 2,",
                ") does not match the weights: tensor model.fake_latent: expected [1, 1048576], found [1, ");
        Path deep = withMetadata(gen, dir.resolve("deep.safetensors"), "depth", "100000000");
        fails("generator metadata depth 10^8", 1, eim("generate", "--generator", deep.toString(), "--tokenizer",
                tok.toString(), "--class", "0", "--out", dir.resolve("g").toString()),
                deep + ": the metadata says 100000000 blocks and a 2-block head, but the file holds only");
        Path len = withMetadata(gen, dir.resolve("len.safetensors"), "seq_len", "2000000000");
        fails("generator metadata seq_len 2*10^9", 1, eim("sample", "--checkpoint", len.toString(), "--labels", "0",
                "--out", s.toString()), "seq_len 2000000000, more than the 1048576 tokens");
        Path ch = withMetadata(tok, dir.resolve("ch.safetensors"), "ch", "65536");
        fails("tokenizer metadata ch 65536", 1, eim("decode", "--checkpoint", ch.toString(), "--tokens", tokens.toString(),
                "--index", "0", "--out", dir.resolve("x.png").toString()), ch + ": the metadata's config (8px, ch 65536",
                ") does not match the weights, which imply 8px, ch ");
        Path res = withMetadata(tok, dir.resolve("res.safetensors"), "resolution", "65536");
        fails("tokenizer metadata resolution 65536", 1, eim("tokenize", "--checkpoint", res.toString(), "--out",
                s.toString(), images.toString()), "(65536px, ch", "does not match the weights");
        absent(s, dir.resolve("g"), dir.resolve("x.png"));
    }

    @Test
    void safetensorsHeadersWithMissingOrIllTypedFields() throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        byte[] json = "{\"__metadata__\":{\"kind\":\"eim-tokenizer\"},\"encoder.conv_in.weight\":{\"dtype\":\"F32\",\"shape\":[8,3,3,3]}}"
                .getBytes(StandardCharsets.UTF_8);
        Files.write(bad, ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array());
        fails("a safetensors header without data_offsets", 1, eim("decode", "--checkpoint", bad.toString(), "--tokens",
                tokens.toString(), "--out", dir.resolve("x.png").toString()),
                bad + ": bad safetensors header: tensor 'encoder.conv_in.weight' has no data_offsets");
        Path neg = dir.resolve("neg.safetensors");
        json = "{\"tokens\":{\"dtype\":\"F32\",\"shape\":[-1,3,16],\"data_offsets\":[0,0]}}".getBytes(StandardCharsets.UTF_8);
        Files.write(neg, ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array());
        fails("a negative shape", 1, eim("forward", "--checkpoint", gen.toString(), "--tokens", neg.toString(), "--labels", "0",
                "--out", dir.resolve("z.safetensors").toString()), neg + ": bad safetensors header: tensor 'tokens' has shape "
                + "[-1,3,16]: -1 is negative");
        Path len = dir.resolve("len.safetensors");
        Files.write(len, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE).array());
        fails("an absurd header length", 1, eim("sample", "--checkpoint", len.toString(), "--labels", "0", "--out",
                dir.resolve("s.safetensors").toString()), len + ": not a safetensors file (header length " + Long.MAX_VALUE);
        absent(dir.resolve("x.png"), dir.resolve("z.safetensors"), dir.resolve("s.safetensors"));
    }

    @Test
    void deeplyNestedPicklesFailClearly() throws Exception {
        Path deep = dir.resolve("deep.ckpt");
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(deep))) {
            z.putNextEntry(new ZipEntry("archive/data.pkl"));
            int n = 100_000; // [[[...]]]: EMPTY_LIST n times, APPEND n-1 times
            byte[] b = new byte[2 + n + n - 1 + 1];
            b[0] = (byte) 0x80;
            b[1] = 2;
            Arrays.fill(b, 2, 2 + n, (byte) ']');
            Arrays.fill(b, 2 + n, b.length - 1, (byte) 'a');
            b[b.length - 1] = '.';
            z.write(b);
            z.closeEntry();
        }
        String nested = "archive/data.pkl is not a valid pickle: containers nested more than 1000 levels deep";
        fails("a pickle nested 100000 deep (inspect)", 1, eim("inspect", deep.toString()), deep + ": " + nested);
        Path out = dir.resolve("i.safetensors");
        fails("a pickle nested 100000 deep (import)", 1, eim("import", deep.toString(), out.toString()), nested);
        fails("a pickle nested 100000 deep (generate)", 1, eim("generate", "--generator", deep.toString(), "--tokenizer",
                tok.toString(), "--class", "0", "--out", dir.resolve("g").toString()), nested);
        absent(out, dir.resolve("g"));
    }

    @Test
    void aCkptWhereSafetensorsIsExpected() throws Exception {
        String ckpt = resource("tokenizer_tiny.ckpt");
        String advice = "is a PyTorch checkpoint, not a safetensors file: convert it with 'eim import ";
        fails("a .ckpt as decode --checkpoint", 1, eim("decode", "--checkpoint", ckpt, "--tokens", tokens.toString(),
                "--out", dir.resolve("x.png").toString()), ckpt + " " + advice, "(generate also accepts the authors' .ckpt");
        fails("a .ckpt as tokenize --checkpoint", 1, eim("tokenize", "--checkpoint", ckpt, "--out",
                dir.resolve("t.safetensors").toString(), images.toString()), advice);
        // sample, forward and generate accept the authors' .ckpt as it is (CliChainTest, SampleCommandTest)
        fails("a .ckpt as decode --tokens", 1, eim("decode", "--checkpoint", tok.toString(), "--tokens", ckpt, "--out",
                dir.resolve("x.png").toString()), advice);
        Path copy = Files.copy(Path.of(ckpt), dir.resolve("tok.ckpt"));
        fails("a .ckpt as tokenizer train --resume --out", 1, eim("tokenizer", "train", "--synthetic", "2", "--resume",
                "--out", copy.toString()), copy + " " + advice);
        absent(dir.resolve("x.png"), dir.resolve("t.safetensors"), dir.resolve("s.safetensors"));
    }

    @Test
    void anUnreadableHeldOutImage() throws Exception {
        Path data = dir.resolve("data");
        for (String f : list(images)) {
            Files.copy(images.resolve(f), Files.createDirectories(data).resolve(f));
        }
        Files.writeString(data.resolve("zz_broken.png"), "not a png"); // sorted last: the held-out image
        Path out = dir.resolve("k.safetensors");
        fails("an unreadable held-out image (tokenizer train)", 1, eim("tokenizer", "train", "--preset", "tiny", "--data",
                data.toString(), "--holdout", "1", "--steps", "1", "--batch", "1", "--out", out.toString()),
                "held-out images must all be readable, but 1 of 1 are not: cannot decode image " + data.resolve("zz_broken.png"));
        absent(out);
    }

    // ------------------------------------------------------------------ output paths

    @Test
    void outputPathsThatAreDirectoriesOrFiles() throws Exception {
        Path d = Files.createDirectories(dir.resolve("adir"));
        Path f = Files.writeString(dir.resolve("afile"), "keep me");
        String isDir = d + ": is a directory, expected a file to write", isFile = f + ": is a file, expected a folder to write into";
        fails("tokenize --out DIR", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out", d.toString(), images.toString()), isDir);
        fails("sample --out DIR", 1, eim("sample", "--checkpoint", gen.toString(), "--labels", "0", "--out", d.toString()), isDir);
        fails("import IN DIR", 1, eim("import", resource("tokenizer_tiny.ckpt"), d.toString()), isDir);
        fails("tokenizer train --out DIR", 1, eim("tokenizer", "train", "--synthetic", "2", "--out", d.toString()), isDir);
        fails("forward --out DIR", 1, eim("forward", "--checkpoint", gen.toString(), "--tokens", samples.toString(),
                "--labels", "0,1", "--out", d.toString()), isDir);
        fails("decode --index --out DIR", 1, eim("decode", "--checkpoint", tok.toString(), "--tokens", tokens.toString(),
                "--index", "0", "--out", d.toString()), isDir);
        fails("generate --out FILE", 1, eim("generate", "--random-weights", "--generator-preset", "tiny", "--tokenizer-preset",
                "mini", "--class", "0", "--out", f.toString()), isFile);
        fails("train --out FILE", 1, eim("train", "--data", samples.toString(), "--out", f.toString()), isFile);
        fails("demo --out FILE", 1, eim("demo", "--toy", "--out", f.toString()), isFile);
        fails("decode --out FILE (one PNG per item)", 1, eim("decode", "--checkpoint", tok.toString(), "--tokens",
                tokens.toString(), "--out", f.toString()), isFile);
        fails("tokenizer scenes --out FILE", 1, eim("tokenizer", "scenes", "--out", f.toString()), isFile);
        Path under = f.resolve("sub/t.safetensors");
        fails("tokenize --out under a FILE", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out", under.toString(),
                images.toString()), under + ": cannot write: " + f + " is not a folder");
        assertEquals(List.of(), list(d));
        assertEquals("keep me", Files.readString(f));
    }

    @Test
    void outputOnAReadOnlyFileSystem() throws Exception {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        try (Tmpfs t = Tmpfs.mount(ro, "ro,size=64k")) {
            fails("generate --out on a read-only file system", 1, eim("generate", "--random-weights", "--generator-preset",
                    "tiny", "--tokenizer-preset", "mini", "--class", "0", "--out", ro.resolve("gen").toString()),
                    ro.resolve("gen") + ": cannot write in " + ro + ": Read-only file system");
            fails("tokenize --out on a read-only file system", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out",
                    ro.resolve("t.safetensors").toString(), images.toString()),
                    ro.resolve("t.safetensors") + ": cannot write: Read-only file system");
            fails("train --out on a read-only file system", 1, eim("train", "--data", samples.toString(), "--out", ro.toString()),
                    ro + ": cannot write: Read-only file system");
            assertEquals(List.of(), list(ro));
        }
    }

    @Test
    void outputOnAFullDiskIsRefusedBeforeTheWork() throws Exception {
        Path full = Files.createDirectories(dir.resolve("full"));
        try (Tmpfs t = Tmpfs.mount(full, "size=64k")) {
            t.fill();
            String noSpace = ": No space left on device";
            Run r = eim("generate", "--random-weights", "--generator-preset", "tiny", "--tokenizer-preset", "mini", "--class",
                    "0", "--out", full.resolve("gen").toString());
            fails("generate --out on a full disk", 1, r, full.resolve("gen") + ": cannot write in " + full + noSpace);
            assertFalse(r.out().contains("wrote"), "nothing was generated");
            fails("tokenize --out on a full disk", 1, eim("tokenize", "--checkpoint", tok.toString(), "--out",
                    full.resolve("t.safetensors").toString(), images.toString()), full.resolve("t.safetensors") + ": cannot write" + noSpace);
            fails("import to a full disk", 1, eim("import", resource("generator_tiny.ckpt"), full.resolve("g.safetensors").toString(),
                    "--heads", "2"), full.resolve("g.safetensors") + ": cannot write" + noSpace);
            fails("tokenizer train --out on a full disk", 1, eim("tokenizer", "train", "--synthetic", "2", "--out",
                    full.resolve("k.safetensors").toString()), "k.safetensors: cannot write" + noSpace);
            assertEquals(List.of("filler"), list(full));
        }
        try (Tmpfs t = Tmpfs.mount(full, "size=64k")) {
            // room for the probe but not for the tokens: sample knows their size before sampling
            fails("sample of more tokens than the disk holds", 1, eim("sample", "--checkpoint", gen.toString(), "--labels", "0",
                    "--count", "400", "--length", "16", "--steps", "1", "--out", full.resolve("s.safetensors").toString()),
                    full.resolve("s.safetensors") + ": cannot write: it needs ", " are free in ");
            assertEquals(List.of(), list(full));
        }
    }

    static String[] cat(String[] a, String... b) {
        String[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
