package eim.runtime.cli;

import eim.runtime.demo.DemoConfig;
import eim.runtime.demo.DemoPipeline;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "The whole pipeline on the CPU: procedural panoramas, tokenizer and generator training within a time "
                + "budget, class-conditional samples with and without guidance, ultra-long panoramas, and out/report.html. "
                + "Trained models stay in the output folder; a second run with the same settings skips training.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--minutes", description = "training budget of both stages together (default ${DEFAULT-VALUE}; "
            + "half for the tokenizer, half for the generator)", defaultValue = "8")
    double minutes;
    @Mixin OutputFolderOption out = new OutputFolderOption("out");
    @Mixin DeviceOption device;
    @Mixin SeedOption seed = new SeedOption(1); // of data, training and sampling
    @Option(names = "--retrain", description = "train again even when matching trained models are in the output folder")
    boolean retrain;
    @Option(names = "--toy", description = "the whole pipeline at toy size, in seconds (a smoke test)")
    boolean toy;

    @Override
    public Integer call() throws Exception {
        UsageError.check(minutes > 0 && Double.isFinite(minutes), "--minutes must be a finite number > 0, got " + minutes);
        eim.tasks.io.OutputPaths.requireWritableFolder(out.path, 0);
        DemoConfig base = toy ? DemoConfig.toy() : DemoConfig.standard();
        new DemoPipeline(base.withOut(out.path).withRun(device.name, seed.value, minutes, retrain)).run(); // logs the report's path
        return 0;
    }
}
