package eim.tasks.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.testing.Tmpfs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Output paths that cannot be written fail before work, naming the target and the OS reason; writes never leave half a file. */
class OutputPathsTest {
    @TempDir Path dir;

    private static String fails(IOExceptionRunnable r) {
        IOException e = assertThrows(IOException.class, r::run);
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    interface IOExceptionRunnable {
        void run() throws Exception;
    }

    private static List<String> names(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void directoriesFilesAndMissingParents() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("sub"));
        assertEquals(sub + ": is a directory, expected a file to write",
                fails(() -> OutputPaths.requireWritableFile(sub, 0)));
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        assertEquals(file + ": is a file, expected a folder to write into",
                fails(() -> OutputPaths.requireWritableFolder(file, 0)));
        Path under = file.resolve("a/b.png");
        assertEquals(under + ": cannot write: " + file + " is not a folder", fails(() -> OutputPaths.requireWritableFile(under, 0)));
        // a missing folder is fine (it will be created) and is not created by the check
        OutputPaths.requireWritableFile(dir.resolve("new/deeper/x.safetensors"), 10);
        OutputPaths.requireWritableFolder(dir.resolve("new2"), 0);
        assertEquals(List.of("f.txt", "sub"), names(dir), "the checks leave nothing behind");
        // AtomicFiles names the target, not its temporary file
        String m = fails(() -> AtomicFiles.writeString(under, "x"));
        assertTrue(m.startsWith(under + ": cannot write: "), m);
    }

    @Test
    void readOnlyFileSystem() throws Exception {
        Path ro = Files.createDirectories(dir.resolve("ro"));
        try (Tmpfs t = Tmpfs.mount(ro, "ro,size=64k")) {
            Path target = ro.resolve("out/model.safetensors");
            assertEquals(target + ": cannot write in " + ro + ": Read-only file system",
                    fails(() -> OutputPaths.requireWritableFile(target, 0)));
            assertEquals(ro + ": cannot write: Read-only file system", fails(() -> OutputPaths.requireWritableFolder(ro, 0)));
        }
    }

    @Test
    void fullDiskFailsBeforeWorkAndMidWriteLeavesNothingHalfWritten() throws Exception {
        Path small = Files.createDirectories(dir.resolve("small"));
        try (Tmpfs t = Tmpfs.mount(small, "size=64k")) {
            Path target = small.resolve("tokens.safetensors");
            // a known size larger than the disk: refused up front, and by AtomicFiles before writing
            String m = fails(() -> OutputPaths.requireWritableFile(target, 1 << 20));
            assertTrue(m.startsWith(target + ": cannot write: it needs 1.0 MiB but only ") && m.contains(" are free in "), m);
            m = fails(() -> AtomicFiles.write(target, 1 << 20, out -> out.write(new byte[1 << 20])));
            assertTrue(m.startsWith(target + ": cannot write: it needs 1.0 MiB"), m);
            // an unknown size that does not fit: the disk fills mid-write; the old file survives, no temporary is left
            AtomicFiles.writeString(target, "old");
            m = fails(() -> AtomicFiles.write(target, out -> out.write(new byte[256 << 10])));
            assertEquals(target + ": cannot write: No space left on device", m);
            assertEquals("old", Files.readString(target));
            assertEquals(List.of("tokens.safetensors"), names(small));
            // a full disk: the probe write fails before any work
            t.fill();
            m = fails(() -> OutputPaths.requireWritableFile(small.resolve("x.png"), 0));
            assertEquals(small.resolve("x.png") + ": cannot write: No space left on device", m);
            m = fails(() -> OutputPaths.requireWritableFolder(small.resolve("images"), 0));
            assertEquals(small.resolve("images") + ": cannot write in " + small + ": No space left on device", m);
            assertEquals(List.of("filler", "tokens.safetensors"), names(small));
        }
    }
}
