package eim.tasks.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs mounted on a test folder, to test a full or read-only file system for real. Needs
 * root (or CAP_SYS_ADMIN): where mounting is not permitted the test is skipped, saying why.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path dir;

    private Tmpfs(Path dir) {
        this.dir = dir;
    }

    /** Mounts a tmpfs with {@code options} (e.g. "size=64k", "ro,size=64k") on the existing folder {@code dir}. */
    public static Tmpfs mount(Path dir, String options) throws IOException, InterruptedException {
        String out = run("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString());
        Assumptions.assumeTrue(out == null, () -> "cannot mount a tmpfs here (needs root): " + out);
        return new Tmpfs(dir);
    }

    public Path dir() {
        return dir;
    }

    /** Fills the file system to the last byte with a file named {@code filler}. */
    public Tmpfs fill() throws IOException {
        try (var out = java.nio.file.Files.newOutputStream(dir.resolve("filler"))) {
            byte[] block = new byte[4096];
            while (true) {
                out.write(block);
            }
        } catch (IOException full) {
            // "No space left on device": what we wanted
        }
        return this;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        String out = run("umount", dir.toString());
        if (out != null) {
            throw new IOException("umount " + dir + ": " + out);
        }
    }

    /** Runs a command; null when it succeeded, else its output. */
    private static String run(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return e.getMessage();
        }
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return command[0] + " timed out";
        }
        return p.exitValue() == 0 ? null : out + " (exit " + p.exitValue() + ")";
    }
}
