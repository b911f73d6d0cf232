package eim.tasks.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks, before a command starts its work, that it will be able to write its output: the target
 * is not a directory (or, for a folder, not a file), the nearest existing folder on its path is a
 * folder we may create files in (a one-byte probe file is written and deleted there, so a read-only
 * or full file system fails now, not after an hour of training), and, when the size is known, that
 * the file system has room. Nothing is created: a command that then fails leaves no empty folders.
 * Every failure is an IOException whose message names the real target and the operating system's
 * reason.
 */
public final class OutputPaths {
    /** Room kept free beyond a known size (file system metadata, the temporary copy's rounding). */
    private static final long SLACK = 1L << 20;

    private OutputPaths() {}

    /** {@code file} can be written (through {@link AtomicFiles}), with {@code bytes} of room when {@code bytes > 0}. */
    public static void requireWritableFile(Path file, long bytes) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException(file + ": is a directory, expected a file to write");
        }
        probe(file, file.toAbsolutePath().getParent(), bytes);
    }

    /** Files can be written into {@code folder} (created when missing), with {@code bytes} of room when {@code bytes > 0}. */
    public static void requireWritableFolder(Path folder, long bytes) throws IOException {
        if (Files.exists(folder) && !Files.isDirectory(folder)) {
            throw new IOException(folder + ": is a file, expected a folder to write into");
        }
        probe(folder, folder.toAbsolutePath(), bytes);
    }

    /** The operating system's reason for {@code e} ("Permission denied", "No space left on device"), without paths. */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return "already exists";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private static void probe(Path target, Path folder, long bytes) throws IOException {
        Path existing = folder;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            throw new IOException(target + ": cannot write: no folder on its path exists");
        }
        if (!Files.isDirectory(existing)) {
            throw new IOException(target + ": cannot write: " + existing + " is not a folder");
        }
        Path probe = null;
        try {
            probe = Files.createTempFile(existing, ".eim-write-check", ".tmp");
            try (OutputStream out = Files.newOutputStream(probe)) {
                out.write(0);
                out.flush();
            }
            if (bytes > 0) {
                FileStore store = Files.getFileStore(existing);
                long free = store.getUsableSpace();
                if (free < bytes + SLACK) {
                    throw new IOException(target + ": cannot write: it needs " + size(bytes) + " but only " + size(free)
                            + " are free in " + existing);
                }
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(target + ": ")) {
                throw e;
            }
            throw new IOException(target + ": cannot write" + (existing.equals(folder) ? "" : " in " + existing) + ": "
                    + reason(e), e);
        } finally {
            if (probe != null) {
                Files.deleteIfExists(probe);
            }
        }
    }

    /** A byte count for messages: "812 bytes", "3.4 MiB", "2.1 GiB". */
    public static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " bytes";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }
}
