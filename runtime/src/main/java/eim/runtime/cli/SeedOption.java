package eim.runtime.cli;

import picocli.CommandLine.Option;

/**
 * The one {@code --seed} option every command with randomness shares (a picocli mixin). A command
 * whose default seed is not 0 creates its mixin with that default: {@code @Mixin SeedOption seed = new SeedOption(1);}.
 */
public final class SeedOption {
    @Option(names = "--seed", paramLabel = "N",
            description = "random seed: the same seed and settings give the same result (default ${DEFAULT-VALUE})")
    long value;

    /** Default seed 0. */
    public SeedOption() {}

    /** A command's own default seed (shown in its help). */
    SeedOption(long defaultSeed) {
        value = defaultSeed;
    }
}
