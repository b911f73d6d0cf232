package eim.tasks;

import eim.tasks.backend.JavaDevice;
import eim.tasks.backend.OpenCl;
import eim.tasks.backend.TornadoDevice;
import java.util.ArrayList;
import java.util.List;

/**
 * Lists devices and opens one by name: {@code java}, {@code tornado} (= tornado:0),
 * {@code tornado:N} (TornadoVM devices), {@code opencl} (= opencl:0), {@code opencl:N}.
 */
public final class Devices {
    private Devices() {}

    /** Every device this machine has; OpenCL ones only when a platform is installed. */
    public static List<DeviceInfo> list() {
        List<DeviceInfo> out = new ArrayList<>();
        try (JavaDevice j = new JavaDevice()) {
            out.add(j.info());
        }
        if (tornadoAvailable()) {
            for (int i = 0; i < TornadoDevice.list().size(); i++) {
                try (Device d = TornadoDevice.open(i)) {
                    out.add(d.info());
                }
            }
        }
        if (openClAvailable()) {
            for (OpenCl.Found f : OpenCl.discover()) {
                try (Device d = OpenCl.open(f)) {
                    out.add(d.info());
                }
            }
        }
        return out;
    }

    /** Whether at least one OpenCL device can be found (never throws). */
    public static boolean openClAvailable() {
        try {
            return !OpenCl.discover().isEmpty();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
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
        if (n.equals("opencl")) {
            n = "opencl:0";
        }
        if (n.startsWith("opencl:")) {
            List<OpenCl.Found> found = OpenCl.discover(); // throws the clear no-platform message
            int idx;
            try {
                idx = Integer.parseInt(n.substring("opencl:".length()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device name '" + name + "': expected opencl:N");
            }
            if (idx < 0 || idx >= found.size()) {
                throw new IllegalArgumentException("no device " + name + ": this machine has opencl:0.."
                        + (found.size() - 1));
            }
            return OpenCl.open(found.get(idx));
        }
        throw new IllegalArgumentException("unknown device '" + name + "': expected java, tornado, tornado:N, opencl or opencl:N");
    }
}
