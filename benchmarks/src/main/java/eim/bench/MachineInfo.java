package eim.bench;

import eim.tasks.DeviceInfo;
import eim.tasks.Devices;
import eim.tasks.backend.OpenClDrivers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What every benchmark record says about the devices: the --device names and every OpenCL driver. */
final class MachineInfo {
    private MachineInfo() {}

    static Map<String, Object> devices() {
        Map<String, Object> m = new LinkedHashMap<>();
        List<String> devices = new ArrayList<>();
        for (DeviceInfo d : Devices.list()) {
            devices.add(d.describe().replaceAll("\\s+", " ").trim());
        }
        m.put("devices", devices);
        List<Map<String, Object>> drivers = new ArrayList<>();
        for (OpenClDrivers.Driver d : OpenClDrivers.list()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("platform", d.platform());
            e.put("platform_version", d.platformVersion());
            e.put("device", d.device());
            e.put("vendor", d.vendor());
            e.put("driver_version", d.driverVersion());
            e.put("type", d.type());
            e.put("compute_units", d.computeUnits());
            e.put("global_memory_bytes", d.globalMemoryBytes());
            e.put("opencl_version", d.openclVersion());
            e.put("fp16", d.fp16());
            e.put("fp64", d.fp64());
            drivers.add(e);
        }
        m.put("opencl_drivers", drivers);
        String tornado = System.getenv("TORNADOVM_HOME");
        m.put("tornadovm_home", tornado == null ? "not set" : tornado);
        return m;
    }
}
