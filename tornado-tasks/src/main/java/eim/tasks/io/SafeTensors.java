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

    /**
     * Reads every tensor. The header is checked before anything is allocated: its length, that it is
     * a JSON object whose entries each have a string dtype, a shape of non-negative integers and two
     * integer data offsets inside the file matching the shape's size, and string metadata. A
     * PyTorch checkpoint given by mistake is named as one. Every failure is an IOException naming the
     * file and the bad field.
     */
    public static Contents read(Path file) throws IOException {
        Header h = header(file);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (Entry e : h.entries().values()) {
                tensors.put(e.name(), load(file, ch, h.dataStart(), e));
            }
        }
        return new Contents(tensors, h.metadata());
    }

    /**
     * As {@link #read}, header checks included, but each tensor's values are read from the file when
     * the map's {@code get} asks for it (and not kept): loading a model's weights then needs the
     * weights plus one tensor, not the whole file twice over. {@link #shape} gives shapes without
     * reading values. Use it while the file stays as it is.
     */
    public static Contents readLazily(Path file) throws IOException {
        Header h = header(file);
        return new Contents(new LazyTensors(file, h), h.metadata());
    }

    /** The shape of tensor {@code name} of a map from {@link #read} or {@link #readLazily}, without reading values. */
    public static long[] shape(Map<String, Tensor> tensors, String name) {
        if (tensors instanceof LazyTensors lazy) {
            Entry e = lazy.header.entries().get(name);
            return e == null ? null : e.shape();
        }
        Tensor t = tensors.get(name);
        return t == null ? null : t.shape();
    }

    /** The checked header of a file: tensor entries in file order, metadata, where the data starts. */
    private record Header(Map<String, Entry> entries, Map<String, String> metadata, long dataStart) {}

    private static Header header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, 9)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0);
            long headerLen = size >= 8 ? head.getLong(0) : -1;
            if (!(headerLen > 0 && headerLen <= MAX_HEADER && size >= 9 && head.get(8) == '{')) {
                rejectTorchCheckpoint(file, head.array(), head.capacity()); // not safetensors: perhaps a .ckpt
            }
            if (size < 8) {
                throw new IOException(file + ": not a safetensors file (only " + size + " bytes)");
            }
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new IOException(file + ": not a safetensors file (header length " + headerLen
                        + " in a file of " + size + " bytes" + (headerLen > MAX_HEADER ? "; at most " + MAX_HEADER
                        + " is read" : "") + ")");
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
            Map<String, String> meta = new TreeMap<>();
            java.util.List<Entry> entries = entries(header, file, size - dataStart, meta);
            entries.sort(java.util.Comparator.comparingLong(Entry::begin)); // file order
            Map<String, Entry> byName = new LinkedHashMap<>();
            entries.forEach(e -> byName.put(e.name(), e));
            return new Header(byName, meta, dataStart);
        }
    }

    private static Tensor load(Path file, FileChannel ch, long dataStart, Entry e) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate((int) (e.end() - e.begin())).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + e.begin());
        buf.flip();
        try {
            return decode(e.dtype(), buf, (int) Tensor.numel(e.shape()), e.shape());
        } catch (ArithmeticException x) {
            throw new IOException(file + ": tensor '" + e.name() + "' (" + e.dtype()
                    + ") holds a value outside the 32-bit integer range");
        }
    }

    /** The tensors of a file, each read when asked for (see {@link #readLazily}). */
    private static final class LazyTensors extends java.util.AbstractMap<String, Tensor> {
        private final Path file;
        private final Header header;

        LazyTensors(Path file, Header header) {
            this.file = file;
            this.header = header;
        }

        @Override
        public boolean containsKey(Object key) {
            return header.entries().containsKey(key);
        }

        @Override
        public Tensor get(Object key) {
            SafeTensors.Entry e = header.entries().get(key);
            if (e == null) {
                return null;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                return load(file, ch, header.dataStart(), e);
            } catch (IOException x) {
                throw new java.io.UncheckedIOException(file + ": cannot read tensor '" + key + "': " + x.getMessage(), x);
            }
        }

        @Override
        public java.util.Set<String> keySet() {
            return java.util.Collections.unmodifiableSet(header.entries().keySet());
        }

        @Override
        public int size() {
            return header.entries().size();
        }

        @Override
        public java.util.Set<Map.Entry<String, Tensor>> entrySet() {
            return new java.util.AbstractSet<>() {
                @Override
                public java.util.Iterator<Map.Entry<String, Tensor>> iterator() {
                    var names = header.entries().keySet().iterator();
                    return new java.util.Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return names.hasNext();
                        }

                        @Override
                        public Map.Entry<String, Tensor> next() {
                            String n = names.next();
                            return Map.entry(n, get(n));
                        }
                    };
                }

                @Override
                public int size() {
                    return header.entries().size();
                }
            };
        }
    }

    /** One tensor's header entry, checked. */
    private record Entry(String name, String dtype, long[] shape, long begin, long end) {}

    /** The header's tensor entries (checked against {@code dataBytes}); fills {@code meta} from {@code __metadata__}. */
    private static java.util.List<Entry> entries(JsonObject header, Path file, long dataBytes, Map<String, String> meta)
            throws IOException {
        java.util.List<Entry> out = new java.util.ArrayList<>();
        for (var e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isJsonObject()) {
                    throw badHeader(file, "__metadata__ is " + kind(e.getValue()) + ", not an object");
                }
                for (var m : e.getValue().getAsJsonObject().entrySet()) {
                    if (!(m.getValue().isJsonPrimitive() && m.getValue().getAsJsonPrimitive().isString())) {
                        throw badHeader(file, "__metadata__ '" + m.getKey() + "' is " + kind(m.getValue()) + ", not a string");
                    }
                    meta.put(m.getKey(), m.getValue().getAsString());
                }
                continue;
            }
            String name = e.getKey(), where = "tensor '" + name + "'";
            if (!e.getValue().isJsonObject()) {
                throw badHeader(file, where + " is " + kind(e.getValue()) + ", not an object");
            }
            JsonObject d = e.getValue().getAsJsonObject();
            JsonElement dt = d.get("dtype");
            if (dt == null || !dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString()) {
                throw badHeader(file, where + " has " + (dt == null ? "no dtype" : "dtype " + dt + ", not a string"));
            }
            String dtype = dt.getAsString();
            int width = width(dtype, file, name);
            long[] shape = longs(d, "shape", -1, file, where);
            long[] offsets = longs(d, "data_offsets", 2, file, where);
            long begin = offsets[0], end = offsets[1];
            long n, bytes;
            try {
                n = 1;
                for (long s : shape) {
                    n = Math.multiplyExact(n, s);
                }
                bytes = Math.multiplyExact(n, (long) width);
            } catch (ArithmeticException x) {
                throw badHeader(file, where + " has shape " + java.util.Arrays.toString(shape) + ", whose size overflows");
            }
            if (begin > end || end > dataBytes || end - begin != bytes) {
                throw new IOException(file + ": tensor '" + name + "' (" + dtype + " " + java.util.Arrays.toString(shape)
                        + ") needs " + bytes + " bytes at [" + begin + ", " + end + ") but the file has " + dataBytes
                        + " data bytes");
            }
            if (n > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": tensor '" + name + "' has " + n + " elements, more than one array holds");
            }
            out.add(new Entry(name, dtype, shape, begin, end));
        }
        return out;
    }

    /** The non-negative integers of array field {@code key} ({@code count} of them unless negative). */
    private static long[] longs(JsonObject d, String key, int count, Path file, String where) throws IOException {
        JsonElement v = d.get(key);
        if (v == null || !v.isJsonArray()) {
            throw badHeader(file, where + " has " + (v == null ? "no " + key : key + " " + v + ", not an array"));
        }
        var a = v.getAsJsonArray();
        if (count >= 0 && a.size() != count) {
            throw badHeader(file, where + " has " + key + " " + v + ", expected " + count + " integers");
        }
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            try {
                if (!x.isJsonPrimitive() || !x.getAsJsonPrimitive().isNumber()) {
                    throw new ArithmeticException();
                }
                out[i] = x.getAsBigDecimal().longValueExact();
            } catch (ArithmeticException | NumberFormatException e) {
                throw badHeader(file, where + " has " + key + " " + v + ": " + x + " is not a 64-bit integer");
            }
            if (out[i] < 0) {
                throw badHeader(file, where + " has " + key + " " + v + ": " + x + " is negative");
            }
        }
        return out;
    }

    private static IOException badHeader(Path file, String what) {
        return new IOException(file + ": bad safetensors header: " + what);
    }

    private static String kind(JsonElement e) {
        return e.isJsonObject() ? "an object" : e.isJsonArray() ? "an array" : e.isJsonNull() ? "null" : e.toString();
    }

    /**
     * A PyTorch checkpoint (a torch.save zip archive, or a legacy pickle stream) where a safetensors
     * file is expected is a common mix-up: say so and what to do instead of "bad header length".
     */
    private static void rejectTorchCheckpoint(Path file, byte[] head, int got) throws IOException {
        boolean zip = got >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean pickle = got >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        if (zip && !isTorchZip(file)) {
            throw new IOException(file + ": a zip archive, not a safetensors file");
        }
        if (zip || pickle) {
            throw new IOException(file + " is a PyTorch checkpoint, not a safetensors file: convert it with 'eim import "
                    + file + " OUT.safetensors' (generate also accepts the authors' .ckpt files as they are)");
        }
    }

    /** Whether the zip archive holds a torch.save pickle ({@code <name>/data.pkl}). */
    private static boolean isTorchZip(Path file) {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(file.toFile())) {
            return z.stream().anyMatch(e -> e.getName().endsWith("/data.pkl"));
        } catch (IOException e) {
            return true; // a truncated archive: most likely a checkpoint cut short; the advice still applies
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
        AtomicFiles.write(file, 8L + hdr.length + off, raw -> {
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
