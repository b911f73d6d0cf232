package eim.runtime.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code scripts/eim <command>}: the project's command-line tool. */
@Command(name = "eim", mixinStandardHelpOptions = true, version = "eim 0.1.0",
        description = "Equivariant Image Modeling in Java: column tokenizer, windowed-causal generator, flow head.",
        subcommands = {DemoCommand.class, DevicesCommand.class, GenerateCommand.class, TokenizerCommand.class,
                TokenizeCommand.class, DecodeCommand.class, TrainCommand.class, SampleCommand.class, InspectCommand.class,
                ImportCommand.class, ForwardCommand.class, EvaluateCommand.class, ExperimentsReportCommand.class, GridTokensCommand.class,
                CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code eim} without a command: the usage on stderr and exit code 2, as for any usage error. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing command");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs a command line. Errors become one line "error: ..." on stderr, never a stack trace
     * (EIM_DEBUG=1 adds it), and an exit code: 2 for usage errors (picocli's parameter errors and
     * {@link UsageError}s: invalid option values), 1 for runtime failures (unreadable or bad files,
     * I/O, devices, running out of memory).
     */
    public static int run(String... args) {
        CommandLine cl = configure(new CommandLine(new Main()));
        try {
            return cl.execute(args);
        } catch (OutOfMemoryError | StackOverflowError e) { // picocli hands only Exceptions to the handler
            return fail(cl.getErr(), leafName(cl), e);
        }
    }

    /** The one error policy (messages and exit codes) of {@link #run}, for any command line of ours. */
    static CommandLine configure(CommandLine cl) {
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> fail(cmd.getErr(), cmd.getCommandSpec().qualifiedName(), ex));
        cl.setParameterExceptionHandler(Main::usageError);
        return cl;
    }

    /** A picocli parameter error in one line naming where help is; the usage too when a command was left out. */
    private static int usageError(CommandLine.ParameterException ex, String[] args) {
        CommandLine c = ex.getCommandLine();
        PrintWriter err = c.getErr();
        err.println("error: " + String.valueOf(ex.getMessage()) + " (see '" + c.getCommandSpec().qualifiedName() + " --help')");
        if (!c.getSubcommands().isEmpty() && String.valueOf(ex.getMessage()).startsWith("missing ")) {
            c.usage(err); // "eim" or "eim tokenizer" alone (their run() says "missing command"): list the commands
        }
        err.flush();
        return UsageError.EXIT;
    }

    /** Prints {@code ex} as one error line (or the out-of-memory advice) and returns its exit code. */
    static int fail(PrintWriter err, String command, Throwable ex) {
        Throwable oom = ex;
        while (oom != null && !(oom instanceof OutOfMemoryError)) {
            oom = oom.getCause();
        }
        Throwable t = ex;
        while ((t instanceof java.io.UncheckedIOException || t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException || t.getClass() == RuntimeException.class)
                && t.getCause() != null) {
            t = t.getCause();
        }
        if (oom != null) {
            err.println(outOfMemory(command, (OutOfMemoryError) oom));
        } else if (t instanceof StackOverflowError) {
            err.println("error: " + command + ": the stack overflowed (input nested too deeply?); EIM_DEBUG=1 shows where");
        } else {
            err.println("error: " + describe(t));
        }
        if (System.getenv("EIM_DEBUG") != null) {
            ex.printStackTrace(err);
        }
        err.flush();
        return oom != null ? UsageError.FAILURE : UsageError.exitCode(t);
    }

    /**
     * "error: out of memory (...): raise the heap with EIM_JAVA_OPTS=-Xmx...": what ran out, the
     * heap limit, and a larger one to try (scripts/eim passes EIM_JAVA_OPTS to java in place of its
     * default, 75% of the machine's memory).
     */
    static String outOfMemory(String command, OutOfMemoryError e) {
        String what = e.getMessage() == null ? "Java heap space" : e.getMessage();
        long max = Runtime.getRuntime().maxMemory();
        if (what.contains("exceeds VM limit")) {
            return "error: out of memory (" + command + ": " + what + ": one array of over 2^31 values was needed): "
                    + "use smaller sizes (batch, width, count)";
        }
        long suggestGiB = 1;
        while ((suggestGiB << 30) < 2 * max) { // twice the heap, as a power of two in GiB
            suggestGiB <<= 1;
        }
        return "error: out of memory (" + command + ": " + what + ", heap limit " + eim.tasks.io.OutputPaths.size(max)
                + "): raise the heap with EIM_JAVA_OPTS=-Xmx" + suggestGiB + "g (scripts/eim's default is 75% of the machine's memory), or use "
                + "smaller sizes";
    }

    /** An exception's message as users should read it: file-system errors as "file: reason", internal errors named. */
    static String describe(Throwable t) {
        if (t instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            String reason = eim.tasks.io.OutputPaths.reason(f);
            return f.getFile() + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + reason;
        }
        if (t instanceof NullPointerException || t instanceof IndexOutOfBoundsException || t instanceof ClassCastException
                || t instanceof ArithmeticException || t instanceof NegativeArraySizeException) {
            return "internal error (" + t + "); EIM_DEBUG=1 prints the stack trace";
        }
        return (t.getMessage() == null ? t.toString() : t.getMessage()).strip();
    }

    /** The command picocli ran ("eim train"), for messages about errors picocli did not catch. */
    private static String leafName(CommandLine cl) {
        CommandLine.ParseResult p = cl.getParseResult();
        if (p == null) {
            return "eim";
        }
        while (p.hasSubcommand()) {
            p = p.subcommand();
        }
        return p.commandSpec().qualifiedName();
    }
}
