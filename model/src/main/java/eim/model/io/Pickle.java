package eim.model.io;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle virtual machine for the data that {@code torch.save} writes (protocol 2, and the
 * opcodes of protocols 0-5 that plain data uses). It builds Java values: Python dicts become
 * {@link LinkedHashMap} (insertion order kept), lists {@link ArrayList}, tuples unmodifiable
 * {@link List}s, ints {@link Long} (or {@link BigInteger}), floats {@link Double}, str
 * {@link String}, bytes {@code byte[]}, None {@code null}.
 *
 * <p>Nothing is ever imported or executed: a global becomes a {@link Global} name, and calling it
 * ({@code REDUCE}, {@code NEWOBJ}) goes to {@link Hooks#call}, which may build a value (a tensor,
 * an OrderedDict) or leave an opaque {@link PyObject}. So unknown classes (Lightning callbacks,
 * argparse namespaces, OmegaConf configs) load as inert records instead of failing.
 */
final class Pickle {

    /** A module-level name such as {@code torch._utils._rebuild_tensor_v2}. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }

        boolean is(String module, String name) {
            return this.module.equals(module) && this.name.equals(name);
        }

        @Override
        public String toString() {
            return qualified();
        }
    }

    /** An instance of a class the reader does not interpret: its constructor args and state. */
    static final class PyObject {
        final Global type;
        final List<Object> args;
        Object state;

        PyObject(Global type, List<Object> args) {
            this.type = type;
            this.args = args;
        }

        @Override
        public String toString() {
            return type.qualified() + "(...)";
        }
    }

    /** What torch (or any caller) adds to plain unpickling. */
    interface Hooks {
        /** {@code persistent_load(pid)}: torch's storage references. */
        Object persistentLoad(Object pid);

        /** A call of {@code callable(*args)}; return {@link #DEFAULT} for the generic handling. */
        Object call(Global callable, List<Object> args);
    }

    /** Returned by {@link Hooks#call} to ask for the built-in handling. */
    static final Object DEFAULT = new Object();

    /** A malformed or unsupported pickle stream; the message names the byte offset and opcode. */
    static final class PickleException extends RuntimeException {
        PickleException(String message) {
            super(message);
        }
    }

    private static final Object MARK = new Object() {
        @Override
        public String toString() {
            return "MARK";
        }
    };

    private final ByteBuffer in;
    private final Hooks hooks;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    /** Nesting depth of each container built so far (absent: 0, a leaf); see {@link #MAX_DEPTH}. */
    private final Map<Object, Integer> depths = new java.util.IdentityHashMap<>();
    private int opcodeAt;

    /**
     * How deeply containers may nest. Python's own pickler stops near 1000 (its recursion limit) and a
     * torch state_dict nests a handful of levels; deeper data is refused here so that walking it
     * (hashing a tuple key, listing tensors, printing) cannot overflow the Java stack.
     */
    static final int MAX_DEPTH = 1000;

    private Pickle(byte[] data, Hooks hooks) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.hooks = hooks;
    }

    /** Runs {@code data} up to STOP and returns the value it built. */
    static Object load(byte[] data, Hooks hooks) {
        return new Pickle(data, hooks).run();
    }

    private Object run() {
        try {
            while (true) {
                if (!in.hasRemaining()) {
                    throw error("the pickle ends without a STOP opcode (truncated)");
                }
                opcodeAt = in.position();
                int op = in.get() & 0xff;
                if (op == '.') {
                    return pop();
                }
                step(op);
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw error("the pickle ends inside an opcode's argument (truncated)");
        } catch (PickleException e) {
            throw e;
        } catch (StackOverflowError e) { // a self-referencing container hashed as a dict key
            throw error("data that refers to itself too deeply to build");
        } catch (RuntimeException e) { // malformed arguments: bad numbers, wrong kinds, missing items
            throw error("malformed pickle (" + e + ")");
        }
    }

    private void step(int op) {
        switch (op) {
            // framing and protocol
            case 0x80 -> { // PROTO
                int proto = in.get() & 0xff;
                if (proto > 5) {
                    throw error("pickle protocol " + proto + " is newer than protocol 5");
                }
            }
            case 0x95 -> in.getLong(); // FRAME: a size hint only
            // constants
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            // integers
            case 'J' -> push((long) in.getInt());
            case 'K' -> push((long) (in.get() & 0xff));
            case 'M' -> push((long) (in.getShort() & 0xffff));
            case 0x8a -> push(longFromBytes(bytes(in.get() & 0xff)));
            case 0x8b -> push(longFromBytes(bytes(length(in.getInt()))));
            case 'I' -> push(parseTextInt(line()));
            case 'L' -> push(parseTextLong(line()));
            // floats
            case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian
            case 'F' -> push(Double.parseDouble(line()));
            // strings and bytes
            case 'X' -> push(utf8(bytes(length(in.getInt()))));
            case 0x8c -> push(utf8(bytes(in.get() & 0xff)));
            case 0x8d -> push(utf8(bytes(length(in.getLong()))));
            case 'V' -> push(unescapeRawUnicode(line()));
            case 'B' -> push(bytes(length(in.getInt())));
            case 'C' -> push(bytes(in.get() & 0xff));
            case 0x8e -> push(bytes(length(in.getLong())));
            case 0x96 -> push(bytes(length(in.getLong()))); // BYTEARRAY8
            case 'T' -> push(latin1(bytes(length(in.getInt())))); // BINSTRING (py2 str)
            case 'U' -> push(latin1(bytes(in.get() & 0xff))); // SHORT_BINSTRING
            case 'S' -> push(unquote(line()));
            // containers
            case '}' -> push(new LinkedHashMap<>());
            case ']' -> push(new ArrayList<>());
            case ')' -> push(List.of());
            case 0x8f -> push(new LinkedHashSet<>()); // EMPTY_SET
            case '(' -> push(MARK);
            case 't' -> push(tuple(popMark()));
            case 0x85 -> push(tuple(Collections.singletonList(pop())));
            case 0x86 -> {
                Object b = pop();
                Object a = pop();
                push(tuple(Arrays.asList(a, b)));
            }
            case 0x87 -> {
                Object c = pop();
                Object b = pop();
                Object a = pop();
                push(tuple(Arrays.asList(a, b, c)));
            }
            case 'l' -> {
                List<Object> items = popMark();
                push(nest(new ArrayList<>(items), items));
            }
            case 'd' -> {
                List<Object> items = popMark();
                Map<Object, Object> d = new LinkedHashMap<>();
                nest(d, items);
                putPairs(d, items);
                push(d);
            }
            case 0x91 -> { // FROZENSET
                List<Object> items = popMark();
                push(nest(Collections.unmodifiableSet(new LinkedHashSet<>(items)), items));
            }
            case 'a' -> {
                Object v = pop();
                nest(peek(), Collections.singletonList(v));
                asList(peek()).add(v);
            }
            case 'e' -> {
                List<Object> items = popMark();
                nest(peek(), items);
                asList(peek()).addAll(items);
            }
            case 's' -> {
                Object v = pop();
                Object k = pop();
                nest(peek(), Arrays.asList(k, v));
                asMap(peek()).put(k, v);
            }
            case 'u' -> {
                List<Object> items = popMark();
                nest(peek(), items);
                putPairs(asMap(peek()), items);
            }
            case 0x90 -> { // ADDITEMS
                List<Object> items = popMark();
                nest(peek(), items);
                asSet(peek()).addAll(items);
            }
            // stack
            case '0' -> pop();
            case '1' -> popMark();
            case '2' -> push(peek());
            // memo
            case 'q' -> memo.put((long) (in.get() & 0xff), peek());
            case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
            case 'p' -> memo.put(Long.parseLong(line().trim()), peek());
            case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
            case 'h' -> push(memoGet(in.get() & 0xff));
            case 'j' -> push(memoGet(in.getInt() & 0xffffffffL));
            case 'g' -> push(memoGet(Long.parseLong(line().trim())));
            // objects
            case 'c' -> {
                String module = line();
                String name = line();
                push(new Global(module, name));
            }
            case 0x93 -> { // STACK_GLOBAL
                Object name = pop();
                Object module = pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw error("STACK_GLOBAL expects two strings, found " + describe(module) + " and " + describe(name));
                }
                push(new Global(m, n));
            }
            case 'R' -> { // REDUCE
                Object args = pop();
                Object callable = pop();
                push(nest(call(callable, asTuple(args, "REDUCE arguments")), Collections.singletonList(args)));
            }
            case 0x81 -> { // NEWOBJ: cls.__new__(cls, *args)
                Object args = pop();
                Object cls = pop();
                push(nest(call(cls, asTuple(args, "NEWOBJ arguments")), Collections.singletonList(args)));
            }
            case 0x92 -> { // NEWOBJ_EX: keyword arguments are kept with the positional ones
                Object kwargs = pop();
                Object args = pop();
                Object cls = pop();
                List<Object> all = new ArrayList<>(asTuple(args, "NEWOBJ_EX arguments"));
                all.add(kwargs);
                push(nest(call(cls, all), all));
            }
            case 'b' -> { // BUILD: obj.__setstate__(state)
                Object state = pop();
                nest(peek(), Collections.singletonList(state));
                build(peek(), state);
            }
            case 'Q' -> push(hooks.persistentLoad(pop())); // BINPERSID
            case 'P' -> push(hooks.persistentLoad(line())); // PERSID
            default -> throw error(String.format("unsupported pickle opcode 0x%02x%s", op,
                    op >= 0x20 && op < 0x7f ? " ('" + (char) op + "')" : ""));
        }
    }

    private Object call(Object callable, List<Object> args) {
        if (!(callable instanceof Global g)) {
            throw error("cannot call " + describe(callable) + ": only module-level names are callable here");
        }
        Object v = hooks.call(g, args);
        if (v != DEFAULT) {
            return v;
        }
        if (g.is("collections", "OrderedDict") || g.is("builtins", "dict") || g.is("__builtin__", "dict")) {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (!args.isEmpty() && args.get(0) instanceof List<?> pairs) {
                for (Object p : pairs) {
                    List<Object> kv = asTuple(p, "OrderedDict item");
                    d.put(kv.get(0), kv.get(1));
                }
            }
            return d;
        }
        if (g.is("builtins", "set") || g.is("__builtin__", "set")) {
            return args.isEmpty() ? new LinkedHashSet<>() : new LinkedHashSet<>(asList(args.get(0)));
        }
        if (g.is("builtins", "frozenset") || g.is("__builtin__", "frozenset")) {
            return args.isEmpty() ? Set.of() : Collections.unmodifiableSet(new LinkedHashSet<>(asList(args.get(0))));
        }
        if (g.is("_codecs", "encode") && !args.isEmpty() && args.get(0) instanceof String s) {
            // protocol 2 writes bytes as _codecs.encode(text, 'latin1')
            return s.getBytes(StandardCharsets.ISO_8859_1);
        }
        if (g.is("builtins", "bytearray") || g.is("builtins", "bytes")) {
            return args.isEmpty() ? new byte[0] : args.get(0);
        }
        if (g.is("copyreg", "_reconstructor") || g.is("copy_reg", "_reconstructor")) {
            // copyreg._reconstructor(cls, base, state): an instance of cls
            Global cls = args.get(0) instanceof Global c ? c : new Global("?", String.valueOf(args.get(0)));
            return new PyObject(cls, args.size() > 2 ? Arrays.asList(args.get(2)) : List.of());
        }
        return new PyObject(g, args);
    }

    private void build(Object target, Object state) {
        if (target instanceof PyObject o) {
            o.state = state;
        }
        // any other BUILD carries nothing the reader needs: an OrderedDict's attributes
        // (state_dict()._metadata), a tensor's python attributes
    }

    // ------------------------------------------------------------ helpers

    private List<Object> tuple(List<Object> items) {
        return nest(Collections.unmodifiableList(new ArrayList<>(items)), items);
    }

    /**
     * Records that {@code container} now holds {@code items}: its depth becomes at least one more than
     * theirs. Refuses data nested deeper than {@link #MAX_DEPTH}. Returns {@code container}.
     */
    private <T> T nest(T container, List<?> items) {
        if (container == null || container instanceof String || container instanceof Number
                || container instanceof Boolean || container instanceof byte[] || container instanceof Global) {
            return container;
        }
        int d = depths.getOrDefault(container, 0);
        for (Object item : items) {
            d = Math.max(d, (item == null ? 0 : depths.getOrDefault(item, 0)) + 1);
        }
        if (d > MAX_DEPTH) {
            throw error("containers nested more than " + MAX_DEPTH + " levels deep (a torch checkpoint nests a few): "
                    + "refusing the pickle");
        }
        depths.put(container, d);
        return container;
    }

    private void putPairs(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw error("SETITEMS/DICT with an odd number of items (" + items.size() + ")");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty()) {
            throw error("stack underflow");
        }
        Object o = stack.remove(stack.size() - 1);
        if (o == MARK) {
            throw error("found a MARK where a value was expected");
        }
        return o;
    }

    private Object peek() {
        if (stack.isEmpty() || stack.get(stack.size() - 1) == MARK) {
            throw error("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        for (int i = stack.size() - 1; i >= 0; i--) {
            if (stack.get(i) == MARK) {
                List<Object> items = new ArrayList<>(stack.subList(i + 1, stack.size()));
                stack.subList(i, stack.size()).clear();
                return items;
            }
        }
        throw error("no MARK on the stack");
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) {
            throw error("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o) {
        if (o instanceof ArrayList<?> l) {
            return (List<Object>) l;
        }
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        if (o instanceof PyObject p) { // list subclass: keep its items as state
            if (!(p.state instanceof ArrayList<?>)) {
                p.state = new ArrayList<>();
            }
            return (List<Object>) p.state;
        }
        throw error("expected a list, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o) {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        if (o instanceof PyObject p) { // dict subclass (e.g. an OmegaConf node): keep its items as state
            if (!(p.state instanceof Map<?, ?>)) {
                p.state = new LinkedHashMap<>();
            }
            return (Map<Object, Object>) p.state;
        }
        throw error("expected a dict, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private Set<Object> asSet(Object o) {
        if (o instanceof Set<?> s) {
            return (Set<Object>) s;
        }
        throw error("expected a set, found " + describe(o));
    }

    @SuppressWarnings("unchecked")
    private List<Object> asTuple(Object o, String what) {
        if (o instanceof List<?> l) {
            return (List<Object>) l;
        }
        throw error(what + " must be a tuple, found " + describe(o));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private int length(long n) {
        if (n < 0 || n > in.remaining()) {
            throw error("a length of " + n + " bytes runs past the end of the pickle (" + in.remaining() + " left)");
        }
        return (int) n;
    }

    private String line() {
        int start = in.position();
        while (in.hasRemaining()) {
            if (in.get() == '\n') {
                byte[] b = new byte[in.position() - 1 - start];
                in.get(start, b);
                return new String(b, StandardCharsets.UTF_8);
            }
        }
        throw error("a text argument has no terminating newline (truncated)");
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Two's-complement little-endian integer of any length (LONG1, LONG4). */
    private static Object longFromBytes(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object parseTextInt(String s) {
        return switch (s) {
            case "00" -> Boolean.FALSE;
            case "01" -> Boolean.TRUE;
            default -> Long.parseLong(s.trim());
        };
    }

    private Object parseTextLong(String s) {
        String t = s.endsWith("L") ? s.substring(0, s.length() - 1) : s;
        BigInteger v = new BigInteger(t.trim());
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private String unquote(String s) {
        if (s.length() >= 2 && (s.charAt(0) == '\'' || s.charAt(0) == '"') && s.charAt(s.length() - 1) == s.charAt(0)) {
            return s.substring(1, s.length() - 1);
        }
        throw error("STRING argument is not quoted: " + s);
    }

    private static String unescapeRawUnicode(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 5 < s.length() && s.charAt(i + 1) == 'u') {
                b.append((char) Integer.parseInt(s.substring(i + 2, i + 6), 16));
                i += 5;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** A value's Python kind for messages: "None", "an int", "a dict", "an object of argparse.Namespace". */
    static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case Global g -> "the name " + g.qualified();
            case PyObject p -> "an object of " + p.type.qualified();
            case TensorRef t -> "a tensor";
            case Boolean b -> "a bool";
            case Long l -> "an int";
            case BigInteger b -> "an int";
            case Double d -> "a float";
            case String s -> "a str";
            case byte[] b -> "bytes";
            case Map<?, ?> m -> "a dict";
            case ArrayList<?> l -> "a list";
            case List<?> l -> "a tuple";
            case Set<?> s -> "a set";
            default -> "a " + o.getClass().getSimpleName();
        };
    }

    private PickleException error(String msg) {
        return new PickleException(msg + " at byte " + opcodeAt);
    }
}
