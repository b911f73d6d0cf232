package eim.tasks.backend;

import static org.jocl.CL.*;

import eim.tasks.Device;
import eim.tasks.DeviceArray;
import eim.tasks.DeviceInfo;
import eim.tasks.FloatArray;
import eim.tasks.FloatParam;
import eim.tasks.IntArray;
import eim.tasks.IntParam;
import eim.tasks.Task;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

/**
 * The OpenCL backend through JOCL. Each kernel's OpenCL C twin lives in a resource
 * {@code /eim/tasks/kernels/<clSource>}; a source is compiled once per device, on first use, and
 * its kernels are cached. Device arrays get a {@code cl_mem} on first use and keep it.
 */
public final class OpenClDevice implements Device {
    /** Build options shared by every program: IEEE-faithful math so the twins match Java. */
    public static final String BUILD_OPTIONS = "-cl-std=CL1.2";

    private final DeviceInfo info;
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_device_id device;
    private final Map<String, cl_program> programs = new HashMap<>();
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Map<DeviceArray, cl_mem> memory = new IdentityHashMap<>();

    OpenClDevice(String id, cl_platform_id platform, cl_device_id device) {
        this.device = device;
        this.info = OpenCl.describe(id, platform, device);
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, platform);
        this.context = clCreateContext(props, 1, new cl_device_id[] {device}, null, null, null);
        this.queue = clCreateCommandQueue(context, device, 0, null);
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    private cl_mem mem(DeviceArray a) {
        cl_mem m = memory.get(a);
        if (m == null) {
            long bytes = Math.max(4, a.bytes());
            m = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, null, null);
            memory.put(a, m);
        }
        return m;
    }

    private static Pointer host(DeviceArray a) {
        return switch (a) {
            case FloatArray f -> Pointer.to(f.array());
            case IntArray i -> Pointer.to(i.array());
        };
    }

    @Override
    public void toDevice(DeviceArray a) {
        cl_mem m = mem(a);
        if (a.size() > 0) {
            clEnqueueWriteBuffer(queue, m, CL_TRUE, 0, a.bytes(), host(a), 0, null, null);
        }
    }

    @Override
    public void toHost(DeviceArray a) {
        cl_mem m = mem(a);
        if (a.size() > 0) {
            clEnqueueReadBuffer(queue, m, CL_TRUE, 0, a.bytes(), host(a), 0, null, null);
        }
    }

    @Override
    public void allocate(DeviceArray a) {
        mem(a);
    }

    @Override
    public void release(DeviceArray a) {
        cl_mem m = memory.remove(a);
        if (m != null) {
            clReleaseMemObject(m);
        }
    }

    @Override
    public void prepare(Task task) {
        kernel(task);
    }

    private cl_kernel kernel(Task task) {
        String key = task.kernel().clSource() + "#" + task.kernel().name();
        cl_kernel k = kernels.get(key);
        if (k == null) {
            cl_program p = programs.computeIfAbsent(task.kernel().clSource(), this::build);
            k = clCreateKernel(p, task.kernel().name(), null);
            kernels.put(key, k);
        }
        return k;
    }

    private cl_program build(String resource) {
        String src = loadSource(resource);
        cl_program p = clCreateProgramWithSource(context, 1, new String[] {src}, null, null);
        try {
            clBuildProgram(p, 0, null, BUILD_OPTIONS, null, null);
        } catch (CLException e) {
            long[] size = new long[1];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] log = new byte[(int) size[0]];
            clGetProgramBuildInfo(p, device, CL_PROGRAM_BUILD_LOG, log.length, Pointer.to(log), null);
            throw new IllegalStateException("OpenCL build of " + resource + " failed on " + info.name() + ":\n"
                    + new String(log, StandardCharsets.UTF_8).trim(), e);
        }
        return p;
    }

    /** The text of {@code /eim/tasks/kernels/<resource>} with {@code common.cl} in front. */
    public static String loadSource(String resource) {
        return eim.tasks.KernelSignatures.source("common.cl") + "\n" + eim.tasks.KernelSignatures.source(resource);
    }

    @Override
    public void launch(Task task) {
        cl_kernel k = kernel(task);
        Object[] args = task.args();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case DeviceArray d -> clSetKernelArg(k, i, Sizeof.cl_mem, Pointer.to(mem(d)));
                case Integer v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v}));
                case Float v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v}));
                case IntParam v -> clSetKernelArg(k, i, Sizeof.cl_int, Pointer.to(new int[] {v.get()}));
                case FloatParam v -> clSetKernelArg(k, i, Sizeof.cl_float, Pointer.to(new float[] {v.get()}));
                default -> throw new IllegalArgumentException(task + ": unsupported argument " + args[i]);
            }
        }
        int[] range = task.range();
        long[] global = new long[range.length];
        long[] local = task.local() == null ? null : new long[range.length];
        for (int d = 0; d < range.length; d++) {
            if (range[d] == 0) {
                return; // empty range: nothing to do
            }
            if (local != null) {
                local[d] = task.local()[d];
                global[d] = (range[d] + local[d] - 1) / local[d] * local[d];
            } else {
                global[d] = range[d];
            }
        }
        clEnqueueNDRangeKernel(queue, k, range.length, null, global, local, 0, null, null);
    }

    @Override
    public void sync() {
        clFinish(queue);
    }

    @Override
    public void close() {
        for (cl_mem m : memory.values()) {
            clReleaseMemObject(m);
        }
        memory.clear();
        for (cl_kernel k : kernels.values()) {
            clReleaseKernel(k);
        }
        for (cl_program p : programs.values()) {
            clReleaseProgram(p);
        }
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
