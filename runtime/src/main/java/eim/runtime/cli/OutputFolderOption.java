package eim.runtime.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --out} folder of the commands that write several files into one (a picocli mixin; the
 * command's description says which files). Each command creates it with its default:
 * {@code @Mixin OutputFolderOption out = new OutputFolderOption("out/generated");}.
 */
public final class OutputFolderOption {
    @Option(names = "--out", paramLabel = "DIR", description = "output folder, created if missing (default ${DEFAULT-VALUE})")
    Path path;

    /** For picocli; commands give their default folder. */
    public OutputFolderOption() {
        this("out");
    }

    OutputFolderOption(String defaultFolder) {
        path = Path.of(defaultFolder);
    }
}
