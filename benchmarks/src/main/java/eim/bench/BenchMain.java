package eim.bench;

import java.util.Arrays;

/**
 * Entry point of benchmarks.jar.
 * <pre>
 *   kernels [--include REGEX] [--quick] [--out FILE] [--no-pytorch]   JMH kernel benchmarks + PyTorch peers
 *                                                                    (FILE must not exist; by default
 *                                                                    results/kernels-DATE[-N].json)
 *   generator [GeneratorBench options]                                end-to-end generator timings
 * </pre>
 * scripts/bench.sh builds the jar and runs it with the right JVM flags.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage("missing command");
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "kernels" -> {
                KernelBenchmarks.Options options;
                try {
                    options = KernelBenchmarks.Options.parse(rest);
                } catch (IllegalArgumentException e) {
                    System.err.println("benchmarks.jar: " + e.getMessage());
                    System.exit(2);
                    return;
                }
                KernelBenchmarks.run(options);
            }
            case "generator" -> GeneratorBench.main(rest);
            default -> usage("unknown command '" + args[0] + "'");
        }
    }

    private static void usage(String problem) {
        System.err.println("benchmarks.jar: " + problem + "\nusage: java -jar benchmarks.jar kernels "
                + "[--include REGEX] [--quick] [--out FILE] [--no-pytorch]\n"
                + "       java -jar benchmarks.jar generator [--device java] [--quick] [--out FILE]");
        System.exit(2);
    }
}
