package eim.tasks.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a file through a temporary sibling and a rename, so a reader (a browser showing the report,
 * a later run) never sees a half-written file and a crash leaves the old version in place. Used for
 * every checkpoint, token file, image and report the project writes.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** What writes the file's bytes. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) throws IOException {
        write(target, -1, writer);
    }

    /**
     * Writes {@code target} through a temporary sibling and a rename. When {@code bytes >= 0} (the
     * size the writer will produce) a file system without that much room fails before anything is
     * written. Failures (a full disk, a read-only folder) name {@code target}, never the temporary
     * file, with the operating system's reason; the temporary file is always removed.
     */
    public static void write(Path target, long bytes, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            if (bytes >= 0) {
                long free = Files.getFileStore(dir).getUsableSpace();
                if (free < bytes) {
                    throw new IOException(target + ": cannot write: it needs " + OutputPaths.size(bytes) + " but only "
                            + OutputPaths.size(free) + " are free in " + dir);
                }
            }
            tmp = Files.createTempFile(dir, "." + absolute.getFileName(), ".tmp");
            // temporary files are created owner-only; the result should read like any other file
            if (Files.getFileStore(tmp).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            try (OutputStream out = Files.newOutputStream(tmp)) {
                writer.writeTo(out);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(target + ": ")) {
                throw e;
            }
            String where = tmp == null && e instanceof java.nio.file.FileSystemException f && f.getFile() != null
                    && !Path.of(f.getFile()).toAbsolutePath().equals(absolute) ? " (" + f.getFile() + ")" : "";
            throw new IOException(target + ": cannot write: " + OutputPaths.reason(e) + where, e);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
