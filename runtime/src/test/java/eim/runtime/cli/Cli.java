package eim.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Runs {@code eim} command lines for the tests and compares their tensors. */
public final class Cli {
    private Cli() {}

    public record Run(int code, String out, String err) {}

    /**
     * With {@code -Deim.cli.script=<path of scripts/eim>} (scripts/test.sh sets it after the build)
     * every command runs through that script in its own JVM, exactly as a user types it; without
     * it, in this JVM through Main.run.
     */
    static final String SCRIPT = System.getProperty("eim.cli.script");

    public static Run eim(String... args) {
        if (SCRIPT != null) {
            return throughScript(args);
        }
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true));
            System.setErr(new PrintStream(e, true));
            return new Run(Main.run(args), o.toString(), e.toString());
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private static Run throughScript(String... args) {
        List<String> command = new java.util.ArrayList<>(List.of(SCRIPT));
        command.addAll(List.of(args));
        try {
            Path out = Files.createTempFile("eim-out", ".txt"), err = Files.createTempFile("eim-err", ".txt");
            ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().putIfAbsent("EIM_JAVA_OPTS", "-Xmx2g");
            Process p = pb.start();
            if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " ran over 10 minutes");
            }
            Run r = new Run(p.exitValue(), Files.readString(out), Files.readString(err));
            Files.delete(out);
            Files.delete(err);
            return r;
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError("cannot run " + command + ": " + e, e);
        }
    }

    public static Run ok(String... args) {
        Run r = eim(args);
        assertEquals(0, r.code(), String.join(" ", args) + "\n" + r.err());
        return r;
    }

    /** A toy token file: 8 sequences of 4 tokens x 4 channels, classes 0 and 1 (seeded). */
    public static Path toyTokens(Path dir) throws java.io.IOException {
        java.util.Random r = new java.util.Random(3);
        int n = 8, l = 4, c = 4;
        float[] t = new float[n * l * c];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) r.nextGaussian();
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
        }
        Path f = dir.resolve("tokens.safetensors");
        java.util.Map<String, eim.tasks.io.Tensor> m = new java.util.LinkedHashMap<>();
        m.put("tokens", eim.tasks.io.Tensor.of(t, n, l, c));
        m.put("labels", eim.tasks.io.Tensor.ofInts(labels, n));
        eim.tasks.io.SafeTensors.write(f, m, java.util.Map.of());
        return f;
    }

    /** max |a - b| / max |b|: an error relative to the tensor's own scale. */
    public static double relativeError(float[] a, float[] b) {
        assertEquals(b.length, a.length);
        double err = 0, scale = 0;
        for (int i = 0; i < a.length; i++) {
            err = Math.max(err, Math.abs(a[i] - b[i]));
            scale = Math.max(scale, Math.abs(b[i]));
        }
        return err / scale;
    }
}
