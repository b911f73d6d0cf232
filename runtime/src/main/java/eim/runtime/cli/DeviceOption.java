package eim.runtime.cli;

import eim.tasks.Device;
import eim.tasks.Devices;
import picocli.CommandLine.Option;

/** The one {@code --device} option every command that runs a model shares (a picocli mixin). */
public final class DeviceOption {
    @Option(names = "--device", defaultValue = "java", paramLabel = "NAME",
            description = "where kernels run: java (the JVM, all cores) or tornado, tornado:N (TornadoVM compiles "
                    + "the kernels for GPUs and CPUs through their drivers; 'eim devices' lists them) "
                    + "(default: ${DEFAULT-VALUE})")
    String name;

    /**
     * Opens the named device. An unknown name is a usage error (exit 2) listing the valid ones; a
     * known device that cannot start (no TornadoVM, no driver) is a runtime failure (exit 1).
     */
    Device open() {
        return UsageError.option("--device", () -> Devices.open(name));
    }
}
