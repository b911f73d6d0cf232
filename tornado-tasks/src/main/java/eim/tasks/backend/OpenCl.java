package eim.tasks.backend;

import static org.jocl.CL.*;

import eim.tasks.DeviceInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Discovery of OpenCL devices through JOCL, with one clear message when there are none. */
public final class OpenCl {
    static final String NO_OPENCL = "no OpenCL platform found: install an OpenCL driver (for the CPU: "
            + "'apt-get install pocl-opencl-icd'; for GPUs the vendor's driver) or use --device java";

    private OpenCl() {}

    /** A device found on a platform, before it is opened. */
    public record Found(String id, cl_platform_id platform, cl_device_id device) {}

    /** Every OpenCL device, numbered across platforms as opencl:0, opencl:1, ... */
    public static List<Found> discover() {
        List<Found> out = new ArrayList<>();
        cl_platform_id[] platforms;
        try {
            CL.setExceptionsEnabled(true);
            int[] n = new int[1];
            clGetPlatformIDs(0, null, n);
            platforms = new cl_platform_id[n[0]];
            clGetPlatformIDs(n[0], platforms, null);
        } catch (Throwable e) { // UnsatisfiedLinkError (no libOpenCL) or CLException (no ICD)
            throw new IllegalStateException(NO_OPENCL + " (" + e.getMessage() + ")", e);
        }
        for (cl_platform_id p : platforms) {
            int[] n = new int[1];
            try {
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, n);
            } catch (Throwable e) {
                continue; // a platform with no devices
            }
            cl_device_id[] ds = new cl_device_id[n[0]];
            clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n[0], ds, null);
            for (cl_device_id d : ds) {
                out.add(new Found("opencl:" + out.size(), p, d));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException(NO_OPENCL);
        }
        return out;
    }

    public static OpenClDevice open(Found f) {
        return new OpenClDevice(f.id(), f.platform(), f.device());
    }

    static DeviceInfo describe(String id, cl_platform_id platform, cl_device_id d) {
        long type = getLong(d, CL_DEVICE_TYPE);
        String t = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "ACCEL" : "OTHER";
        return new DeviceInfo(id, "opencl", getString(d, CL_DEVICE_NAME), getString(d, CL_DEVICE_VENDOR), t,
                (int) getInt(d, CL_DEVICE_MAX_COMPUTE_UNITS), getLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                getString(d, CL_DEVICE_VERSION));
    }

    private static String getString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return new String(b, 0, Math.max(0, b.length - 1), StandardCharsets.UTF_8).trim();
    }

    private static long getLong(cl_device_id d, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(d, param, Sizeof.cl_long, Pointer.to(v), null);
        return v[0];
    }

    private static long getInt(cl_device_id d, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(d, param, Sizeof.cl_int, Pointer.to(v), null);
        return v[0];
    }
}
