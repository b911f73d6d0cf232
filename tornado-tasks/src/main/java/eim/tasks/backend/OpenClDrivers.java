package eim.tasks.backend;

import static org.jocl.CL.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * What OpenCL drivers this machine has, read through JOCL: for {@code eim devices}, benchmark
 * records and a clear message before TornadoVM starts. No kernel is built or launched here.
 */
public final class OpenClDrivers {
    public static final String NO_OPENCL = "no OpenCL driver found: install one (for the CPU: "
            + "'apt-get install pocl-opencl-icd'; for GPUs the vendor's driver) or use --device java";

    private OpenClDrivers() {}

    /** One OpenCL device as its driver describes it. */
    public record Driver(String platform, String platformVersion, String device, String vendor, String driverVersion,
                         String type, int computeUnits, long globalMemoryBytes, String openclVersion, boolean fp16,
                         boolean fp64) {
        public String describe() {
            return String.format("%-28s %-36s %-5s %4d CUs %8.1f GiB  driver %s  %s  fp16 %s  fp64 %s", platform, device,
                    type, computeUnits, globalMemoryBytes / (1024.0 * 1024 * 1024), driverVersion, openclVersion,
                    fp16 ? "yes" : "no", fp64 ? "yes" : "no");
        }
    }

    /** Every OpenCL device of every platform; empty when there is no driver (never throws). */
    public static List<Driver> list() {
        List<Driver> out = new ArrayList<>();
        cl_platform_id[] platforms;
        try {
            CL.setExceptionsEnabled(true);
            int[] n = new int[1];
            clGetPlatformIDs(0, null, n);
            platforms = new cl_platform_id[n[0]];
            clGetPlatformIDs(n[0], platforms, null);
        } catch (Throwable e) { // UnsatisfiedLinkError (no libOpenCL) or CLException (no ICD)
            return out;
        }
        for (cl_platform_id p : platforms) {
            int[] n = new int[1];
            try {
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, null, n);
                cl_device_id[] ds = new cl_device_id[n[0]];
                clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n[0], ds, null);
                for (cl_device_id d : ds) {
                    out.add(describe(p, d));
                }
            } catch (Throwable e) {
                // a platform without devices
            }
        }
        return out;
    }

    /** Throws {@link #NO_OPENCL} when TornadoVM could only run through OpenCL and there is no driver. */
    static void requireDriverFor(String what) {
        boolean otherBackend = ModuleLayer.boot().findModule("tornado.drivers.ptx").isPresent()
                || ModuleLayer.boot().findModule("tornado.drivers.spirv").isPresent();
        if (!otherBackend && list().isEmpty()) {
            throw new IllegalStateException(what + ": " + NO_OPENCL);
        }
    }

    private static Driver describe(cl_platform_id p, cl_device_id d) {
        long type = getLong(d, CL_DEVICE_TYPE);
        String t = (type & CL_DEVICE_TYPE_GPU) != 0 ? "GPU" : (type & CL_DEVICE_TYPE_CPU) != 0 ? "CPU"
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "ACCEL" : "OTHER";
        String ext = deviceString(d, CL_DEVICE_EXTENSIONS);
        return new Driver(platformString(p, CL_PLATFORM_NAME), platformString(p, CL_PLATFORM_VERSION),
                deviceString(d, CL_DEVICE_NAME), deviceString(d, CL_DEVICE_VENDOR), deviceString(d, CL_DRIVER_VERSION), t,
                (int) getInt(d, CL_DEVICE_MAX_COMPUTE_UNITS), getLong(d, CL_DEVICE_GLOBAL_MEM_SIZE),
                deviceString(d, CL_DEVICE_VERSION), ext.contains("cl_khr_fp16"), ext.contains("cl_khr_fp64"));
    }

    private static String deviceString(cl_device_id d, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(d, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetDeviceInfo(d, param, b.length, Pointer.to(b), null);
        return new String(b, 0, Math.max(0, b.length - 1), StandardCharsets.UTF_8).trim();
    }

    private static String platformString(cl_platform_id p, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(p, param, 0, null, size);
        byte[] b = new byte[(int) size[0]];
        clGetPlatformInfo(p, param, b.length, Pointer.to(b), null);
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
