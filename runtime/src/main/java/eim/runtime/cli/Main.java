package eim.runtime.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code scripts/eim <command>}: the project's command-line tool. */
@Command(name = "eim", mixinStandardHelpOptions = true, version = "eim 0.1.0",
        description = "Equivariant Image Modeling in Java: column tokenizer, windowed-causal generator, flow head.",
        subcommands = {DemoCommand.class, DevicesCommand.class, GenerateCommand.class, TokenizerCommand.class,
                TokenizeCommand.class, DecodeCommand.class, TrainCommand.class, SampleCommand.class, InspectCommand.class,
                ImportCommand.class, ForwardCommand.class, CommandLine.HelpCommand.class})
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

    /** Runs a command line; errors become one clear message and exit code 2, not a stack trace. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable t = ex;
            while ((t instanceof java.io.UncheckedIOException || t.getClass() == RuntimeException.class) && t.getCause() != null) {
                t = t.getCause();
            }
            cmd.getErr().println("error: " + (t.getMessage() == null ? t.toString() : t.getMessage()));
            if (System.getenv("EIM_DEBUG") != null) {
                t.printStackTrace(cmd.getErr());
            }
            return 2;
        });
        return cl.execute(args);
    }
}
