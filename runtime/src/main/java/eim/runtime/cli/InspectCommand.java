package eim.runtime.cli;

import eim.model.io.Inspect;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code eim inspect FILE}: a checkpoint's tensors (name, dtype, shape), for .ckpt/.pth and .safetensors. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Lists the tensors of a checkpoint (name, dtype, shape) without loading their values: PyTorch "
                + "checkpoints (.ckpt, .pth, such as the authors' tokenizer.ckpt and generator checkpoints) and "
                + "safetensors files. For the authors' layouts it also reports the EMA split and the generator's sizes.")
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "checkpoint (.ckpt, .pth, .safetensors)")
    Path file;

    @Option(names = "--filter", paramLabel = "TEXT", description = "only tensors whose name contains TEXT (default: every tensor)")
    String filter;

    @Override
    public Integer call() {
        try {
            spec.commandLine().getOut().print(Inspect.of(file).render(filter));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IOException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
    }
}
