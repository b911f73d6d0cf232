package eim.model.io;

import eim.tasks.io.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A checkpoint written by {@code torch.save} (PyTorch 1.6 and later): a zip archive holding
 * {@code <name>/data.pkl}, the pickled object, and one entry {@code <name>/data/<key>} per storage
 * with its raw bytes. Opening reads only the pickle; each tensor's values are read when it is
 * {@linkplain #load(TensorRef) loaded}, and only the bytes that tensor covers, so memory stays
 * near the size of the tensors in use. Values convert to float32, row-major and contiguous.
 *
 * <p>Every error names the file and what was found against what was expected.
 */
public final class TorchCheckpoint implements AutoCloseable {
    private static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;
    /** pickle of torch.save's legacy magic number 0x1950a86a20f9469cfc6c: PROTO 2, LONG1 10 bytes. */
    private static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c,
            0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final ByteOrder order;
    private final Object root;

    private TorchCheckpoint(Path file, ZipFile zip, String prefix, ByteOrder order, Object root) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.order = order;
        this.root = root;
    }

    /** Opens {@code file} and reads its pickle; storages stay on disk until loaded. */
    public static TorchCheckpoint open(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new java.nio.file.NoSuchFileException(file.toString(), null, "no such file");
        }
        checkSignature(file);
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new IOException(file + ": a zip archive that cannot be read, the file is truncated or corrupt ("
                    + e.getMessage() + ")", e);
        }
        try {
            ZipEntry pickle = findPickle(file, zip);
            String prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            ByteOrder order = byteOrder(file, zip, prefix);
            byte[] data = readEntry(file, zip, pickle);
            Object root;
            try {
                root = Pickle.load(data, new TorchHooks());
            } catch (Pickle.PickleException e) {
                throw new IOException(file + ": " + pickle.getName() + " is not a valid pickle: " + e.getMessage(), e);
            }
            return new TorchCheckpoint(file, zip, prefix, order, root);
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    public Path file() {
        return file;
    }

    /** The unpickled object: dicts are Maps, tensors {@link TensorRef}s, unknown classes opaque. */
    public Object root() {
        return root;
    }

    /** Keys of the top-level dict ("model", "model_ema", "state_dict", "epoch", ...). */
    public List<String> topLevelKeys() throws IOException {
        List<String> keys = new ArrayList<>();
        for (Object k : asDict(root, "the top-level object").keySet()) {
            keys.add(String.valueOf(k));
        }
        return keys;
    }

    /**
     * The tensors of the dict at {@code dictPath} ("" for the top level; nested dicts joined by
     * '/', e.g. "model", "state_dict", "optimizer/state/0"), keyed by their key in that dict
     * ("z_proj.weight"). Entries that are not tensors are left out.
     */
    public Map<String, TensorRef> tensors(String dictPath) throws IOException {
        Map<Object, Object> dict = asDict(get(dictPath), dictPath.isEmpty() ? "the top-level object" : "'" + dictPath + "'");
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (var e : dict.entrySet()) {
            if (e.getValue() instanceof TensorRef t) {
                String key = String.valueOf(e.getKey());
                out.put(key, t.withName(dictPath.isEmpty() ? key : dictPath + "/" + key));
            }
        }
        return out;
    }

    /** Every tensor anywhere in the checkpoint, by path ("model/z_proj.weight", "optimizer/state/0/exp_avg"). */
    public Map<String, TensorRef> allTensors() {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        collect(root, "", out, Collections.newSetFromMap(new IdentityHashMap<>()));
        return out;
    }

    private static void collect(Object node, String path, Map<String, TensorRef> out, Set<Object> seen) {
        if (node instanceof TensorRef t) {
            out.put(path, t.withName(path));
            return;
        }
        if (node == null || node instanceof String || node instanceof Number || !seen.add(node)) {
            return;
        }
        if (node instanceof Map<?, ?> m) {
            for (var e : m.entrySet()) {
                collect(e.getValue(), join(path, String.valueOf(e.getKey())), out, seen);
            }
        } else if (node instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                collect(l.get(i), join(path, Integer.toString(i)), out, seen);
            }
        } else if (node instanceof Pickle.PyObject o) {
            collect(o.state, path, out, seen);
        }
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "/" + key;
    }

    /**
     * The value at {@code path}: dict keys (or list indices) joined by '/'. Keys may themselves
     * contain '/' (Lightning's callback names do): at each level the longest matching key is taken.
     */
    public Object get(String path) throws IOException {
        Object node = root;
        String rest = path;
        String walked = "";
        while (!rest.isEmpty()) {
            String where = walked.isEmpty() ? "the top-level object" : "'" + walked + "'";
            String step;
            if (node instanceof List<?> list) {
                step = rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest;
                int i = step.matches("\\d{1,9}") ? Integer.parseInt(step) : -1;
                if (i < 0 || i >= list.size()) {
                    throw new IOException(file + ": no entry '" + step + "' in " + where + ", a list of " + list.size());
                }
                node = list.get(i);
            } else {
                Map<Object, Object> dict = asDict(node, where);
                Map.Entry<Object, Object> match = null;
                for (var e : dict.entrySet()) {
                    String k = String.valueOf(e.getKey());
                    if ((rest.equals(k) || rest.startsWith(k + "/"))
                            && (match == null || k.length() > String.valueOf(match.getKey()).length())) {
                        match = e;
                    }
                }
                if (match == null) {
                    throw new IOException(file + ": no entry '" + rest + "' in " + (walked.isEmpty() ? "the top-level dict"
                            : "'" + walked + "'") + "; it holds " + preview(dict.keySet()));
                }
                step = String.valueOf(match.getKey());
                node = match.getValue();
            }
            walked = join(walked, step);
            rest = rest.length() == step.length() ? "" : rest.substring(step.length() + 1);
        }
        return node;
    }

    /** The tensor at {@code path} ("model/z_proj.weight") as float32. */
    public Tensor load(String path) throws IOException {
        Object v = get(path);
        if (!(v instanceof TensorRef t)) {
            throw new IOException(file + ": '" + path + "' is " + Pickle.describe(v) + ", not a tensor");
        }
        return load(t.withName(path));
    }

    /** Every tensor of the dict at {@code dictPath} as float32, in the dict's order. */
    public Map<String, Tensor> loadAll(String dictPath) throws IOException {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : tensors(dictPath).entrySet()) {
            out.put(e.getKey(), load(e.getValue()));
        }
        return out;
    }

    /**
     * Reads {@code t}'s values as float32 in row-major order, applying its offset and strides.
     * Only the span of the storage the tensor covers is read; a whole storage read is checked
     * against the archive's CRC.
     */
    public Tensor load(TensorRef t) throws IOException {
        if (t.dtype() == null || !t.dtype().isLoadable()) {
            throw new IOException(file + ": tensor '" + t.name() + "' has dtype " + t.dtypeName()
                    + "; only float32, float16 and bfloat16 tensors load as float32");
        }
        long n = t.numel();
        if (n > MAX_ELEMENTS) {
            throw new IOException(file + ": tensor '" + t.name() + "' has " + n + " elements, more than one array holds");
        }
        if (n == 0) {
            return Tensor.of(new float[0], t.shape());
        }
        ZipEntry entry = storageEntry(t);
        int width = t.dtype().bytes();
        long capacity = entry.getSize() / width;
        long last = t.lastElement();
        if (t.offset() < 0 || last >= capacity) {
            throw new IOException(file + ": tensor '" + t.name() + "' " + t.describe() + " reaches element " + last
                    + " of storage '" + t.storage().key() + "', which holds " + capacity + " " + t.dtypeName() + " values");
        }
        boolean contiguous = t.isContiguous();
        long span = contiguous ? n : last - t.offset() + 1;
        if (span > MAX_ELEMENTS) {
            throw new IOException(file + ": view '" + t.name() + "' spans " + span + " storage elements, more than one array holds");
        }
        float[] values = readFloats(entry, t, t.offset(), (int) span);
        return Tensor.of(contiguous ? values : gather(values, t), t.shape());
    }

    /** The strided view over {@code span} (which starts at the view's offset) as a dense row-major array. */
    private static float[] gather(float[] span, TensorRef t) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        int rank = shape.length;
        float[] out = new float[(int) t.numel()];
        long[] index = new long[rank];
        long pos = 0; // storage position relative to the offset
        for (int i = 0; i < out.length; i++) {
            out[i] = span[(int) pos];
            for (int d = rank - 1; d >= 0; d--) { // odometer over the indices, last dimension fastest
                index[d]++;
                pos += stride[d];
                if (index[d] < shape[d]) {
                    break;
                }
                pos -= index[d] * stride[d];
                index[d] = 0;
            }
        }
        return out;
    }

    private ZipEntry storageEntry(TensorRef t) throws IOException {
        TensorRef.Storage s = t.storage();
        String name = prefix + "data/" + s.key();
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new IOException(file + ": storage '" + s.key() + "' of tensor '" + t.name()
                    + "' is missing from the archive (no entry " + name + ")");
        }
        if (s.dtype() != null) {
            long expected = s.numel() * s.dtype().bytes();
            if (entry.getSize() != expected) {
                throw new IOException(file + ": storage '" + s.key() + "' (" + s.typeName() + " of " + s.numel()
                        + " elements) should hold " + expected + " bytes but its archive entry has " + entry.getSize()
                        + ": the file is corrupt");
            }
        }
        return entry;
    }

    /** Reads {@code count} elements from element {@code first} of a storage entry, converting to float. */
    private float[] readFloats(ZipEntry entry, TensorRef t, long first, int count) throws IOException {
        int width = t.dtype().bytes();
        boolean whole = first == 0 && (long) count * width == entry.getSize();
        CRC32 crc = whole ? new CRC32() : null;
        float[] out = new float[count];
        byte[] buf = new byte[(int) Math.min(1 << 20, (long) count * width)];
        try (InputStream in = zip.getInputStream(entry)) {
            skipFully(in, first * width, entry, t);
            int done = 0;
            while (done < count) {
                int elems = Math.min(buf.length / width, count - done);
                readFully(in, buf, elems * width, entry, t);
                if (crc != null) {
                    crc.update(buf, 0, elems * width);
                }
                decode(buf, elems, t.dtype(), out, done);
                done += elems;
            }
        } catch (ZipException e) {
            throw new IOException(file + ": cannot read storage '" + t.storage().key() + "' of tensor '" + t.name()
                    + "': the archive is corrupt (" + e.getMessage() + ")", e);
        }
        if (crc != null && entry.getCrc() != -1 && crc.getValue() != entry.getCrc()) {
            throw new IOException(file + ": storage '" + t.storage().key() + "' of tensor '" + t.name()
                    + "' fails its CRC check (" + Long.toHexString(crc.getValue()) + ", the archive says "
                    + Long.toHexString(entry.getCrc()) + "): the file is corrupt");
        }
        return out;
    }

    private void decode(byte[] buf, int elems, TorchDType dtype, float[] out, int at) {
        ByteBuffer b = ByteBuffer.wrap(buf, 0, elems * dtype.bytes()).order(order);
        switch (dtype) {
            case FLOAT32 -> b.asFloatBuffer().get(out, at, elems);
            case FLOAT16 -> {
                for (int i = 0; i < elems; i++) {
                    out[at + i] = Float.float16ToFloat(b.getShort());
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < elems; i++) {
                    out[at + i] = Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                }
            }
            default -> throw new IllegalStateException("not a loadable dtype: " + dtype);
        }
    }

    private void skipFully(InputStream in, long n, ZipEntry entry, TensorRef t) throws IOException {
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    throw truncated(entry, t);
                }
                s = 1;
            }
            left -= s;
        }
    }

    private void readFully(InputStream in, byte[] buf, int len, ZipEntry entry, TensorRef t) throws IOException {
        int off = 0;
        while (off < len) {
            int r = in.read(buf, off, len - off);
            if (r < 0) {
                throw truncated(entry, t);
            }
            off += r;
        }
    }

    private IOException truncated(ZipEntry entry, TensorRef t) {
        return new EOFException(file + ": storage entry " + entry.getName() + " of tensor '" + t.name()
                + "' ends early: the file is truncated or corrupt");
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }

    // ------------------------------------------------------------ opening

    /** Tells apart the formats a .ckpt/.pth might be in before trying to read it as a zip. */
    private static void checkSignature(Path file) throws IOException {
        byte[] head = new byte[264];
        int got;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(head);
            while (b.hasRemaining() && ch.read(b) > 0) {
                // fill what the file has
            }
            got = b.position();
        }
        if (got >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) {
            return;
        }
        if (got >= LEGACY_MAGIC.length && java.util.Arrays.equals(head, 0, LEGACY_MAGIC.length, LEGACY_MAGIC, 0,
                LEGACY_MAGIC.length)) {
            throw new IOException(file + ": saved with _use_new_zipfile_serialization=False (torch.save's legacy format); "
                    + "re-save it with torch>=1.6 defaults: torch.save(torch.load(f), f2)");
        }
        if (got > 0 && (head[0] & 0xff) == 0x80) {
            throw new IOException(file + ": a plain pickle stream (protocol " + (got > 1 ? head[1] : "?")
                    + "), not a torch.save zip archive");
        }
        if (got >= 262 && new String(head, 257, 5, StandardCharsets.US_ASCII).equals("ustar")) {
            throw new IOException(file + ": a tar archive (torch.save's pre-1.0 format), which is not supported; "
                    + "re-save it with torch>=1.6");
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(got, 8); i++) {
            hex.append(String.format(" %02x", head[i]));
        }
        throw new IOException(file + ": not a PyTorch checkpoint: expected a zip archive (starting with 50 4b 03 04), "
                + (got == 0 ? "the file is empty" : "the file starts with" + hex));
    }

    private static ZipEntry findPickle(Path file, ZipFile zip) throws IOException {
        List<String> names = new ArrayList<>();
        var entries = zip.entries();
        while (entries.hasMoreElements()) {
            ZipEntry e = entries.nextElement();
            String n = e.getName();
            if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                return e;
            }
            if (names.size() < 5) {
                names.add(n);
            }
        }
        throw new IOException(file + ": a zip archive without a <name>/data.pkl entry, so not a torch.save checkpoint"
                + " (its entries begin " + names + ")");
    }

    private static ByteOrder byteOrder(Path file, ZipFile zip, String prefix) throws IOException {
        ZipEntry e = zip.getEntry(prefix + "byteorder");
        if (e == null) {
            return ByteOrder.LITTLE_ENDIAN; // written before torch recorded it: always little-endian hosts
        }
        String s = new String(readEntry(file, zip, e), StandardCharsets.US_ASCII).trim();
        return switch (s) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw new IOException(file + ": " + e.getName() + " says '" + s + "', expected 'little' or 'big'");
        };
    }

    private static byte[] readEntry(Path file, ZipFile zip, ZipEntry e) throws IOException {
        if (e.getSize() > MAX_ELEMENTS) {
            throw new IOException(file + ": entry " + e.getName() + " has " + e.getSize() + " bytes, too many to read at once");
        }
        byte[] data;
        try (InputStream in = zip.getInputStream(e)) {
            data = in.readAllBytes();
        } catch (ZipException ex) {
            throw new IOException(file + ": cannot read " + e.getName() + ": the archive is corrupt (" + ex.getMessage() + ")", ex);
        }
        if (e.getSize() >= 0 && data.length != e.getSize()) {
            throw new IOException(file + ": " + e.getName() + " holds " + data.length + " bytes, the archive says "
                    + e.getSize() + ": the file is truncated or corrupt");
        }
        CRC32 crc = new CRC32();
        crc.update(data);
        if (e.getCrc() != -1 && crc.getValue() != e.getCrc()) {
            throw new IOException(file + ": " + e.getName() + " fails its CRC check: the file is corrupt");
        }
        return data;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asDict(Object node, String what) throws IOException {
        if (node instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw new IOException(file + ": " + what + " is " + Pickle.describe(node) + ", expected a dict");
    }

    private static String preview(Set<Object> keys) {
        List<String> shown = new ArrayList<>();
        for (Object k : keys) {
            if (shown.size() == 8) {
                shown.add("... (" + keys.size() + " keys)");
                break;
            }
            shown.add(String.valueOf(k));
        }
        return shown.toString();
    }

    // ------------------------------------------------------------ torch's pickle conventions

    /** torch.save's persistent ids and tensor rebuild functions. */
    private static final class TorchHooks implements Pickle.Hooks {
        @Override
        public Object persistentLoad(Object pid) {
            // ('storage', storage_type, key, location, numel)
            if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) {
                throw new Pickle.PickleException("persistent id " + pid + " is not ('storage', type, key, location, numel)");
            }
            if (!(t.get(1) instanceof Pickle.Global type) || !(t.get(2) instanceof String key)
                    || !(t.get(4) instanceof Long numel)) {
                throw new Pickle.PickleException("malformed storage record " + t);
            }
            TorchDType dtype = type.name().equals("UntypedStorage") ? TorchDType.UINT8
                    : TorchDType.ofStorageClass(type.name()).orElse(null);
            return new TensorRef.Storage(key, type.name(), dtype, String.valueOf(t.get(3)), numel);
        }

        @Override
        public Object call(Pickle.Global fn, List<Object> args) {
            if (fn.module().equals("torch._utils")) {
                switch (fn.name()) {
                    case "_rebuild_tensor", "_rebuild_tensor_v2" -> {
                        TensorRef.Storage s = storage(args, fn);
                        return tensor(s, s.dtype(), args);
                    }
                    case "_rebuild_tensor_v3" -> { // (storage, offset, size, stride, requires_grad, hooks, dtype, ...)
                        TensorRef.Storage s = storage(args, fn);
                        TorchDType dtype = args.size() > 6 && args.get(6) instanceof Pickle.Global g
                                ? TorchDType.ofTorchName(g.name()).orElse(null) : s.dtype();
                        return tensor(s, dtype, args);
                    }
                    case "_rebuild_parameter", "_rebuild_parameter_with_state" -> {
                        return args.get(0); // a Parameter is its data
                    }
                    default -> {
                        return Pickle.DEFAULT;
                    }
                }
            }
            if (fn.is("torch._tensor", "_rebuild_from_type_v2") && args.size() >= 3
                    && args.get(0) instanceof Pickle.Global inner && args.get(2) instanceof List<?> innerArgs) {
                @SuppressWarnings("unchecked")
                Object v = call(inner, (List<Object>) innerArgs);
                return v == Pickle.DEFAULT ? new Pickle.PyObject(fn, args) : v;
            }
            return Pickle.DEFAULT;
        }

        private static TensorRef.Storage storage(List<Object> args, Pickle.Global fn) {
            if (args.size() < 4 || !(args.get(0) instanceof TensorRef.Storage s)) {
                throw new Pickle.PickleException(fn + " called without a storage: " + args);
            }
            return s;
        }

        private static TensorRef tensor(TensorRef.Storage s, TorchDType dtype, List<Object> args) {
            long offset = integer(args.get(1), "storage offset");
            long[] size = ints(args.get(2), "size");
            long[] stride = ints(args.get(3), "stride");
            if (size.length != stride.length) {
                throw new Pickle.PickleException("tensor size " + java.util.Arrays.toString(size) + " and stride "
                        + java.util.Arrays.toString(stride) + " differ in rank");
            }
            return new TensorRef("", s, dtype, size, stride, offset);
        }

        private static long[] ints(Object o, String what) {
            if (!(o instanceof List<?> l)) {
                throw new Pickle.PickleException("tensor " + what + " is " + Pickle.describe(o) + ", expected a tuple of ints");
            }
            long[] v = new long[l.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = integer(l.get(i), what);
            }
            return v;
        }

        private static long integer(Object o, String what) {
            if (o instanceof Long l) {
                return l;
            }
            throw new Pickle.PickleException("tensor " + what + " is " + Pickle.describe(o) + ", expected an int");
        }
    }
}
