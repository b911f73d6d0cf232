package eim.runtime.train;

import eim.tasks.io.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory one training run writes to, with the rules both {@code train} and
 * {@code tokenizer train} follow:
 * <ul>
 *   <li>without an output named by the user, each run gets a fresh directory
 *       ({@link #fresh}: {@code <base>/run-YYYYMMDD-HHMMSS});</li>
 *   <li>one run per directory: {@link #open} takes a lock ({@link FileChannel#tryLock()} on
 *       {@value #LOCK_FILE}, held until {@link #close}); a second run on the same directory is
 *       refused. The lock file stays (deleting it would let a third run lock a new file while the
 *       second still holds the old one); the OS drops the lock when a run dies;</li>
 *   <li>a checkpoint this run did not create is never overwritten: it is refused unless it is the
 *       checkpoint being resumed or the user forces it;</li>
 *   <li>temporary files that {@link AtomicFiles} left behind when a run was killed mid-write
 *       ({@code .<name><digits>.tmp} beside the file {@code <name>}) are removed;</li>
 *   <li>{@link #trimLossLog}: a resumed run's loss log keeps the steps before the resume point
 *       only, so each step is in it once.</li>
 * </ul>
 */
public final class RunDirectory implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RunDirectory.class);

    /** The lock file in every run directory. */
    public static final String LOCK_FILE = ".eim-run.lock";

    private static final DateTimeFormatter RUN_NAME = DateTimeFormatter.ofPattern("'run-'yyyyMMdd-HHmmss");

    /**
     * Why a directory cannot be used, as one line for the user. {@link #exitCode()} is 2 when the
     * options are at fault (an output that holds another run's checkpoint) and 1 when the state of
     * the machine is (another run holds the lock).
     */
    public static final class Refused extends RuntimeException {
        private final int exitCode;

        Refused(String message, int exitCode) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;
    private final List<Path> removed;

    private RunDirectory(Path dir, FileChannel channel, FileLock lock, List<Path> removed) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
        this.removed = removed;
    }

    /**
     * The folder fresh run directories go under: {@code out} (relative to the working directory), or
     * the system property {@code eim.out} where set (tests).
     */
    public static Path defaultRoot() {
        return Path.of(System.getProperty("eim.out", "out"));
    }

    /**
     * Creates and returns a new directory {@code <base>/run-YYYYMMDD-HHMMSS} for a run started at
     * {@code now} ({@code -2}, {@code -3}, ... appended when a run of the same second has it).
     */
    public static Path fresh(Path base, LocalDateTime now) throws IOException {
        Files.createDirectories(base);
        String name = RUN_NAME.format(now);
        for (int k = 1; ; k++) {
            Path dir = base.resolve(k == 1 ? name : name + "-" + k);
            try {
                return Files.createDirectory(dir);
            } catch (FileAlreadyExistsException e) {
                // taken by a run of the same second: try the next suffix
            }
        }
    }

    /** {@link #fresh(Path, LocalDateTime)} at the current time. */
    public static Path fresh(Path base) throws IOException {
        return fresh(base, LocalDateTime.now());
    }

    /**
     * Opens {@code dir} (created if missing) for a run that writes {@code checkpoint} and
     * {@code others} there: takes the lock, removes stale temporary files of those outputs, and
     * refuses a {@code checkpoint} that already exists unless it is {@code resume} or {@code force}.
     *
     * @param resume       the checkpoint this run continues, or null
     * @param howToResume  what the user adds to continue the existing checkpoint (e.g. "--resume"), for the message
     * @throws Refused     the lock is held by another run, or the checkpoint belongs to another run
     */
    public static RunDirectory open(Path dir, String checkpoint, Path resume, boolean force, String howToResume,
                                    String... others) throws IOException {
        Files.createDirectories(dir);
        Path lockFile = dir.resolve(LOCK_FILE);
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by another run in this JVM
        } catch (IOException e) {
            channel.close();
            throw new IOException(lockFile + ": cannot lock: " + e.getMessage(), e);
        }
        if (lock == null) {
            channel.close();
            throw new Refused(dir + ": another training run is writing to this directory (it holds " + lockFile
                    + "); wait for it to end or choose another output", 1);
        }
        try {
            Path target = dir.resolve(checkpoint);
            if (Files.exists(target) && !force && !(resume != null && Files.exists(resume) && Files.isSameFile(resume, target))) {
                throw new Refused(target + ": exists and was not created by this run; " + howToResume
                        + " to continue it, --force to replace it, or leave out --out for a fresh run directory", 2);
            }
            List<String> outputs = new ArrayList<>(List.of(others));
            outputs.add(checkpoint);
            List<Path> removed = removeStaleTemporaries(dir, outputs);
            return new RunDirectory(dir, channel, lock, removed);
        } catch (IOException | RuntimeException e) {
            lock.release();
            channel.close();
            throw e;
        }
    }

    /** Deletes {@code .<name><digits>.tmp} (what {@link AtomicFiles} writes through) for each output name. */
    private static List<Path> removeStaleTemporaries(Path dir, List<String> outputs) throws IOException {
        List<Pattern> patterns = outputs.stream()
                .map(n -> Pattern.compile(Pattern.quote("." + n) + "\\d+" + Pattern.quote(".tmp"))).toList();
        List<Path> removed = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (Files.isRegularFile(p) && patterns.stream().anyMatch(x -> x.matcher(name).matches())) {
                    Files.delete(p);
                    removed.add(p);
                    log.info("removed {}, a temporary file left by a run that was stopped while writing", p);
                }
            }
        }
        return removed;
    }

    public Path dir() {
        return dir;
    }

    /** The stale temporary files {@link #open} removed. */
    public List<Path> removedTemporaries() {
        return removed;
    }

    /**
     * Prepares {@code csv} for a run that starts at step {@code fromStep}: a fresh run
     * ({@code fromStep == 0}) or a missing file gets just {@code header}; otherwise the rows of steps
     * before {@code fromStep} are kept (the first field of each row is its step) and later ones, which
     * a stopped run logged after its last checkpoint, are dropped. Written atomically; the run then
     * appends its steps, so each step is in the file once.
     */
    public static void trimLossLog(Path csv, long fromStep, String header) throws IOException {
        StringBuilder kept = new StringBuilder(header).append('\n');
        if (fromStep > 0 && Files.isRegularFile(csv)) {
            List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
            for (int i = 1; i < lines.size(); i++) {
                String line = lines.get(i);
                int comma = line.indexOf(',');
                try {
                    if (comma > 0 && Long.parseLong(line.substring(0, comma).trim()) < fromStep) {
                        kept.append(line).append('\n');
                    }
                } catch (NumberFormatException e) {
                    // not a step row (a torn last line of a killed run): dropped
                }
            }
        }
        AtomicFiles.writeString(csv, kept.toString());
    }

    /** Releases the lock. */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
        }
    }
}
