package eim.runtime.cli;

import eim.tasks.DeviceInfo;
import eim.tasks.Devices;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the devices kernels can run on (backend, name, vendor, type, compute units, memory, version).")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("%-10s %-7s %-40s %-28s %-5s %7s %12s  %s%n", "DEVICE", "BACKEND", "NAME", "VENDOR", "TYPE",
                "UNITS", "MEMORY", "VERSION");
        for (DeviceInfo d : Devices.list()) {
            System.out.println(d.describe());
        }
        if (!Devices.openClAvailable()) {
            System.out.println("(no OpenCL platform: install pocl-opencl-icd or a GPU driver for the opencl backend)");
        }
        return 0;
    }
}
