package eim.runtime.cli;

import eim.model.generator.Sampler;
import picocli.CommandLine.Option;

/**
 * How tokens are sampled, for the commands that sample (generate, sample, evaluate): flow steps per
 * token, the guidance scale and its schedule along the sequence (a picocli mixin). Each command
 * creates it with its defaults: {@code @Mixin SamplingOptions sampling = new SamplingOptions(100, 3f);}.
 */
public final class SamplingOptions {
    @Option(names = "--steps", description = "flow (Euler) steps per token (default ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--cfg", description = "classifier-free guidance scale, 1 = none (default ${DEFAULT-VALUE}; the authors "
            + "use 7 for Places)")
    float cfg;
    @Option(names = "--cfg-schedule", description = "guidance along the sequence: linear (the authors': 1 + (cfg-1)(i+1)/L "
            + "at token i of L) or constant (cfg at every token) (default ${DEFAULT-VALUE})")
    String cfgSchedule = "linear";

    /** For picocli; commands give their defaults. */
    public SamplingOptions() {
        this(100, 3f);
    }

    SamplingOptions(int defaultSteps, float defaultCfg) {
        steps = defaultSteps;
        cfg = defaultCfg;
    }

    /** Checks --steps and --cfg (a usage error names the option) and returns the parsed --cfg-schedule. */
    Sampler.Schedule checkedSchedule() {
        UsageError.check(steps > 0, "--steps must be > 0, got " + steps);
        UsageError.checkOption("--cfg", () -> Sampler.checkGuidance(cfg));
        return UsageError.option("--cfg-schedule", () -> Sampler.Schedule.parse(cfgSchedule));
    }
}
