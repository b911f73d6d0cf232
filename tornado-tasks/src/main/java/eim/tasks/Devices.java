package eim.tasks;

import eim.tasks.backend.JavaDevice;
import eim.tasks.backend.TornadoDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists devices and opens one by name: {@code java} (the JVM, all cores), {@code tornado}
 * (= tornado:0) or {@code tornado:N} (TornadoVM's devices: GPUs and CPUs through their drivers).
 */
public final class Devices {
    private Devices() {}

    /** Every device this JVM can run kernels on: java, and TornadoVM's when its runtime is loaded. */
    public static List<DeviceInfo> list() {
        List<DeviceInfo> out = new ArrayList<>();
        try (JavaDevice j = new JavaDevice()) {
            out.add(j.info());
        }
        if (tornadoAvailable()) {
            int n = TornadoDevice.list().size();
            for (int i = 0; i < n; i++) {
                try (Device d = TornadoDevice.open(i)) {
                    out.add(d.info());
                }
            }
        }
        return out;
    }

    /** Whether the TornadoVM runtime is loaded and has a device (never throws). */
    public static boolean tornadoAvailable() {
        return TornadoDevice.available();
    }

    /** Opens the named device, or fails with a message saying which names exist. */
    public static Device open(String name) {
        String n = name == null ? "java" : name.trim().toLowerCase();
        if (n.equals("java")) {
            return new JavaDevice();
        }
        if (n.equals("tornado")) {
            n = "tornado:0";
        }
        if (n.startsWith("tornado:")) {
            try {
                return TornadoDevice.open(Integer.parseInt(n.substring("tornado:".length())));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device name '" + name + "': expected tornado:N");
            }
        }
        if (n.equals("opencl") || n.startsWith("opencl:")) {
            throw new IllegalArgumentException("device '" + name + "': the opencl backend (hand-written OpenCL C) was "
                    + "retired; use tornado or tornado:N, where TornadoVM compiles the same kernels for OpenCL devices");
        }
        throw new IllegalArgumentException("unknown device '" + name + "': expected java, tornado or tornado:N");
    }
}
