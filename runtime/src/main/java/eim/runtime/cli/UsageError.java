package eim.runtime.cli;

import java.util.function.Supplier;

/**
 * A command line the user has to change: an option value or a combination of options that is
 * invalid. {@link Main} turns it into "error: ..." and exit code 2, like picocli's own parameter
 * errors. Everything else a command throws (unreadable or bad files, I/O, devices, memory) is a
 * runtime failure, exit code 1. Commands check their options at the start of {@code call()}, before
 * any work, with {@link #check} and {@link #option}.
 */
public final class UsageError extends IllegalArgumentException {
    /** Exit code of usage errors (picocli's for invalid input). */
    public static final int EXIT = 2;
    /** Exit code of runtime failures. */
    public static final int FAILURE = 1;

    public UsageError(String message) {
        super(message);
    }

    /** Throws a usage error with {@code message} unless {@code ok}. */
    public static void check(boolean ok, String message) {
        if (!ok) {
            throw new UsageError(message);
        }
    }

    /**
     * Runs the validation or parsing of option {@code name}'s value: an IllegalArgumentException it
     * throws (an unknown preset, a non-finite --cfg) becomes a usage error naming the option.
     */
    public static <T> T option(String name, Supplier<T> parse) {
        try {
            return parse.get();
        } catch (UsageError e) {
            throw e;
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            throw new UsageError(m.startsWith(name) ? m : name + ": " + m);
        }
    }

    /** Builds something from option values (an options record): its IllegalArgumentException, which names the option, becomes a usage error. */
    public static <T> T options(Supplier<T> build) {
        return option("", build);
    }

    /** {@link #option(String, Supplier)} for checks without a result. */
    public static void checkOption(String name, Runnable check) {
        option(name, () -> {
            check.run();
            return null;
        });
    }

    /** The exit code for {@code t}: {@link #EXIT} for usage errors, {@link #FAILURE} for everything else. */
    public static int exitCode(Throwable t) {
        return t instanceof UsageError || t instanceof picocli.CommandLine.ParameterException ? EXIT : FAILURE;
    }
}
