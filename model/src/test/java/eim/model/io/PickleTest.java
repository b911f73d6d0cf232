package eim.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pickle machine on hand-written streams: what it builds, and how it reports bad input. */
class PickleTest {
    private static final Pickle.Hooks NO_TORCH = new Pickle.Hooks() {
        @Override
        public Object persistentLoad(Object pid) {
            return "storage:" + pid;
        }

        @Override
        public Object call(Pickle.Global callable, List<Object> args) {
            return Pickle.DEFAULT;
        }
    };

    private static Object load(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return Pickle.load(b, NO_TORCH);
    }

    @Test
    void buildsDictsOfScalars() {
        // {'a': 1, 'b': -2.0}: PROTO 2, EMPTY_DICT, MARK, BINUNICODE 'a', BININT1 1, BINUNICODE 'b', BINFLOAT, SETITEMS, STOP
        Object v = load(0x80, 2, '}', '(', 'X', 1, 0, 0, 0, 'a', 'K', 1, 'X', 1, 0, 0, 0, 'b',
                'G', 0xc0, 0, 0, 0, 0, 0, 0, 0, 'u', '.');
        assertEquals(Map.of("a", 1L, "b", -2.0), v);
    }

    @Test
    void unknownClassesBecomeOpaqueObjects() {
        // GLOBAL 'argparse\nNamespace\n', EMPTY_TUPLE, NEWOBJ, EMPTY_DICT, BUILD, STOP
        byte[] head = "cargparse\nNamespace\n".getBytes();
        int[] b = new int[head.length + 5];
        for (int i = 0; i < head.length; i++) {
            b[i] = head[i];
        }
        b[head.length] = ')';
        b[head.length + 1] = 0x81;
        b[head.length + 2] = '}';
        b[head.length + 3] = 'b';
        b[head.length + 4] = '.';
        Object v = load(b);
        assertTrue(v instanceof Pickle.PyObject o && o.type.qualified().equals("argparse.Namespace") && o.state instanceof Map,
                String.valueOf(v));
    }

    @Test
    void badStreamsSayWhatAndWhere() {
        var e = assertThrows(Pickle.PickleException.class, () -> load(0x80, 2, 0xff));
        assertEquals("unsupported pickle opcode 0xff at byte 2", e.getMessage());
        e = assertThrows(Pickle.PickleException.class, () -> load(0x80, 2, '}'));
        assertEquals("the pickle ends without a STOP opcode (truncated) at byte 2", e.getMessage());
        e = assertThrows(Pickle.PickleException.class, () -> load(0x80, 2, 'X', 100, 0, 0, 0, 'a'));
        assertEquals("a length of 100 bytes runs past the end of the pickle (1 left) at byte 2", e.getMessage());
        e = assertThrows(Pickle.PickleException.class, () -> load(0x80, 2, 's', '.'));
        assertEquals("stack underflow at byte 2", e.getMessage());
        e = assertThrows(Pickle.PickleException.class, () -> load(0x80, 2, 'J', 1));
        assertEquals("the pickle ends inside an opcode's argument (truncated) at byte 2", e.getMessage());
        e = assertThrows(Pickle.PickleException.class, () -> load(0x80, 2, 'h', 7, '.'));
        assertEquals("memo key 7 was never stored at byte 2", e.getMessage());
    }

    /** {@code n} empty lists nested by APPEND: [[[...]]], {@code n} levels deep. */
    static byte[] nestedLists(int n) {
        byte[] b = new byte[3 + n + (n - 1) + 1];
        int i = 0;
        b[i++] = (byte) 0x80;
        b[i++] = 2;
        for (int k = 0; k < n; k++) {
            b[i++] = ']';
        }
        for (int k = 0; k < n - 1; k++) {
            b[i++] = 'a';
        }
        b[i++] = '.';
        return java.util.Arrays.copyOf(b, i);
    }

    /** {@code n} nested 1-tuples ((((None,),),),) built with TUPLE1, {@code n} levels deep. */
    static byte[] nestedTuples(int n) {
        byte[] b = new byte[2 + 1 + n + 1];
        int i = 0;
        b[i++] = (byte) 0x80;
        b[i++] = 2;
        b[i++] = 'N';
        for (int k = 0; k < n; k++) {
            b[i++] = (byte) 0x85;
        }
        b[i++] = '.';
        return b;
    }

    @Test
    void deeplyNestedDataIsRefusedNotAStackOverflow() {
        // as deep as Python pickles at all: accepted, and hashing/printing it stays within the stack
        Object ok = Pickle.load(nestedTuples(Pickle.MAX_DEPTH), NO_TORCH);
        ok.hashCode(); // recursive: would overflow the stack if the limit were far too high
        assertEquals(Pickle.MAX_DEPTH, String.valueOf(ok).chars().filter(c -> c == '[').count());
        for (byte[] deep : new byte[][] {nestedTuples(200_000), nestedLists(200_000), nestedTuples(Pickle.MAX_DEPTH + 1)}) {
            Pickle.PickleException e = assertThrows(Pickle.PickleException.class, () -> Pickle.load(deep, NO_TORCH));
            assertTrue(e.getMessage().startsWith("containers nested more than 1000 levels deep"), e.getMessage());
        }
        // a deep tuple used as a dict key is refused before it is hashed
        byte[] t = nestedTuples(5000);
        byte[] keyed = new byte[t.length + 3];
        keyed[0] = (byte) 0x80;
        keyed[1] = 2;
        keyed[2] = '}';
        System.arraycopy(t, 2, keyed, 3, t.length - 3);
        keyed[t.length] = 'N';
        keyed[t.length + 1] = 's';
        keyed[t.length + 2] = '.';
        assertThrows(Pickle.PickleException.class, () -> Pickle.load(keyed, NO_TORCH));
    }
}
