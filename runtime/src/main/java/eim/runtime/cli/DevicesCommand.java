package eim.runtime.cli;

import eim.tasks.DeviceInfo;
import eim.tasks.Devices;
import eim.tasks.backend.OpenClDrivers;
import eim.tasks.backend.TornadoDevice;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Lists the devices kernels can run on (--device names: backend, name, vendor, type, compute "
                + "units, memory, version) and the OpenCL drivers found (vendor, driver version, memory, compute "
                + "units, fp16/fp64 support).")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.printf("%-10s %-7s %-40s %-28s %-5s %7s %12s  %s%n", "DEVICE", "BACKEND", "NAME", "VENDOR", "TYPE",
                "UNITS", "MEMORY", "VERSION");
        for (DeviceInfo d : Devices.list()) {
            System.out.println(d.describe());
        }
        if (!Devices.tornadoAvailable()) {
            System.out.println("(no tornado devices: " + TornadoDevice.unavailableReason() + ")");
        }
        List<OpenClDrivers.Driver> drivers = OpenClDrivers.list();
        System.out.println();
        System.out.println("OpenCL drivers:");
        if (drivers.isEmpty()) {
            System.out.println("  (" + OpenClDrivers.NO_OPENCL + ")");
        }
        for (OpenClDrivers.Driver d : drivers) {
            System.out.println("  " + d.describe());
        }
        return 0;
    }
}
