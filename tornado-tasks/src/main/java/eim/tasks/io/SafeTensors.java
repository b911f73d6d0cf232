package eim.tasks.io;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header naming each tensor's
 * dtype, shape and byte range, then the raw data), readable from Python's {@code safetensors}.
 * Reads F32, F16, BF16, F64, I32, I64 (floats widen to float32); writes F32 and I32.
 * Writes go to a temporary file that is renamed, so a crash never leaves half a file.
 */
public final class SafeTensors {
    /** A file's tensors in file order, and its {@code __metadata__} strings. */
    public record Contents(Map<String, Tensor> tensors, Map<String, String> metadata) {
        public Tensor get(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no tensor '" + name + "'");
            }
            return t;
        }
    }

    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    public static Contents read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new IOException(file + ": not a safetensors file (only " + size + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.flip().getLong();
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IOException(file + ": not a safetensors file (header length " + headerLen
                        + " in a file of " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonObject header;
            try {
                header = JsonParser.parseString(new String(hb.array(), StandardCharsets.UTF_8)).getAsJsonObject();
            } catch (JsonParseException | IllegalStateException e) {
                throw new IOException(file + ": safetensors header is not a JSON object: " + e.getMessage());
            }
            long dataStart = 8 + headerLen;
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new TreeMap<>();
            // file order = order of data offsets
            var entries = new java.util.ArrayList<Map.Entry<String, JsonElement>>(header.entrySet());
            entries.removeIf(e -> {
                if (e.getKey().equals("__metadata__")) {
                    for (var m : e.getValue().getAsJsonObject().entrySet()) {
                        meta.put(m.getKey(), m.getValue().getAsString());
                    }
                    return true;
                }
                return false;
            });
            entries.sort(java.util.Comparator.comparingLong(
                    e -> e.getValue().getAsJsonObject().getAsJsonArray("data_offsets").get(0).getAsLong()));
            for (var e : entries) {
                String name = e.getKey();
                JsonObject d = e.getValue().getAsJsonObject();
                String dtype = d.get("dtype").getAsString();
                var sh = d.getAsJsonArray("shape");
                long[] shape = new long[sh.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = sh.get(i).getAsLong();
                }
                long begin = d.getAsJsonArray("data_offsets").get(0).getAsLong();
                long end = d.getAsJsonArray("data_offsets").get(1).getAsLong();
                long n = Tensor.numel(shape);
                int width = width(dtype, file, name);
                if (end - begin != n * width || dataStart + end > size || begin < 0) {
                    throw new IOException(file + ": tensor '" + name + "' (" + dtype + " " + java.util.Arrays.toString(shape)
                            + ") needs " + n * width + " bytes at [" + begin + ", " + end + ") but the file has "
                            + (size - dataStart) + " data bytes");
                }
                if (n > Integer.MAX_VALUE) {
                    throw new IOException(file + ": tensor '" + name + "' has " + n + " elements, more than one array holds");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, buf, dataStart + begin);
                buf.flip();
                tensors.put(name, decode(dtype, buf, (int) n, shape));
            }
            return new Contents(tensors, meta);
        }
    }

    private static int width(String dtype, Path file, String name) throws IOException {
        return switch (dtype) {
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64", "I64" -> 8;
            default -> throw new IOException(file + ": tensor '" + name + "' has dtype " + dtype
                    + "; supported: F32, F16, BF16, F64, I32, I64");
        };
    }

    private static Tensor decode(String dtype, ByteBuffer buf, int n, long[] shape) {
        switch (dtype) {
            case "I32", "I64" -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = dtype.equals("I32") ? buf.getInt() : Math.toIntExact(buf.getLong());
                }
                return Tensor.ofInts(v, shape);
            }
            default -> {
                float[] v = new float[n];
                switch (dtype) {
                    case "F32" -> buf.asFloatBuffer().get(v);
                    case "F64" -> {
                        for (int i = 0; i < n; i++) v[i] = (float) buf.getDouble();
                    }
                    case "F16" -> {
                        for (int i = 0; i < n; i++) v[i] = Float.float16ToFloat(buf.getShort());
                    }
                    case "BF16" -> {
                        for (int i = 0; i < n; i++) v[i] = Float.intBitsToFloat((buf.getShort() & 0xffff) << 16);
                    }
                    default -> throw new IllegalStateException(dtype);
                }
                return Tensor.of(v, shape);
            }
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += r;
        }
    }

    /** Supplies one tensor's values when the streaming writer reaches it. */
    @FunctionalInterface
    public interface Source {
        Tensor load(String name) throws IOException;
    }

    /** Writes {@code tensors} (in iteration order) with {@code metadata}, atomically. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, Boolean> ints = new LinkedHashMap<>();
        tensors.forEach((k, t) -> {
            shapes.put(k, t.shape());
            ints.put(k, t.isInt());
        });
        write(file, shapes, ints::get, tensors::get, metadata);
    }

    /**
     * Writes tensors one at a time, loading each from {@code source} only when it is written, so a
     * multi-gigabyte checkpoint needs the memory of its largest tensor. Atomic (temp file + rename).
     */
    public static void write(Path file, Map<String, long[]> shapes, java.util.function.Function<String, Boolean> isInt,
                             Source source, Map<String, String> metadata) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put("__metadata__", new TreeMap<>(metadata));
        }
        long off = 0;
        for (var e : shapes.entrySet()) {
            long bytes = 4L * Tensor.numel(e.getValue());
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("dtype", Boolean.TRUE.equals(isInt.apply(e.getKey())) ? "I32" : "F32");
            d.put("shape", e.getValue());
            d.put("data_offsets", new long[] {off, off + bytes});
            header.put(e.getKey(), d);
            off += bytes;
        }
        byte[] json = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // align data to 8 bytes, padded with spaces as the spec allows
        byte[] hdr = new byte[json.length + pad];
        System.arraycopy(json, 0, hdr, 0, json.length);
        java.util.Arrays.fill(hdr, json.length, hdr.length, (byte) ' ');
        AtomicFiles.write(file, raw -> {
            OutputStream out = new java.io.BufferedOutputStream(raw, 1 << 20);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hdr.length);
            out.write(len.array());
            out.write(hdr);
            ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (var e : shapes.entrySet()) {
                Tensor t = source.load(e.getKey());
                int n = t.numel();
                if (n != Tensor.numel(e.getValue())) {
                    throw new IOException("tensor '" + e.getKey() + "' has " + n + " values, its shape says "
                            + Tensor.numel(e.getValue()));
                }
                for (int i = 0; i < n; i++) {
                    if (!chunk.hasRemaining()) {
                        out.write(chunk.array(), 0, chunk.position());
                        chunk.clear();
                    }
                    if (t.isInt()) {
                        chunk.putInt(t.ints()[i]);
                    } else {
                        chunk.putFloat(t.data()[i]);
                    }
                }
            }
            out.write(chunk.array(), 0, chunk.position());
            out.flush();
        });
    }
}
