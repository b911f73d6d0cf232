package eim.runtime.cli;

import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorImport;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Converts the authors' PyTorch generator checkpoint (.ckpt/.pth with model/model_ema) to our "
                + "safetensors checkpoint. Sizes are read from the tensor shapes.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "IN.ckpt") Path in;
    @Parameters(index = "1", description = "OUT.safetensors") Path out;
    @Option(names = "--heads", description = "attention heads (default width/64, as the authors' models)") Integer heads;
    @Option(names = "--window", description = "attention window ω (default 3)") Integer window;

    @Override
    public Integer call() throws Exception {
        long t0 = System.nanoTime();
        GeneratorConfig cfg = GeneratorImport.convert(in, out, heads, window);
        System.out.printf("imported %s -> %s in %.1f s: width %d, %d blocks, %d heads, window %d, %d classes, "
                        + "%d-channel tokens, buffer %d, head %dx%d%n", in, out, (System.nanoTime() - t0) / 1e9,
                cfg.width(), cfg.depth(), cfg.heads(), cfg.window(), cfg.numClasses(), cfg.tokenChannels(),
                cfg.bufferSize(), cfg.headDepth(), cfg.headWidth());
        return 0;
    }
}
