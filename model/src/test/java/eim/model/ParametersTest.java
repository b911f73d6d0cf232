package eim.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParametersTest {
    /**
     * While a backward pass is recorded, only a parameter's first gradient task overwrites; the
     * parameters no task overwrote come back, in declaration order, for the caller to zero.
     */
    @Test
    void recordedBackwardOverwritesEachGradientOnce() {
        Parameters p = new Parameters();
        p.add("a", 2);
        p.add("b", 3);
        p.add("c", 1);
        Parameters.Param a = p.param("a"), b = p.param("b");
        assertFalse(p.firstGradientWrite(a), "outside a recording gradients accumulate");
        p.beginBackward();
        assertThrows(IllegalStateException.class, p::beginBackward);
        assertTrue(p.firstGradientWrite(b));
        assertFalse(p.firstGradientWrite(b), "the second task adds to what the first wrote");
        assertTrue(p.firstGradientWrite(a));
        assertEquals(List.of("c"), p.endBackward().stream().map(Parameters.Param::name).toList());
        assertFalse(p.firstGradientWrite(a), "the recording has ended");
        assertThrows(IllegalStateException.class, p::endBackward);
        p.beginBackward(); // a new recording starts with every gradient unwritten
        assertEquals(List.of("a", "b", "c"), p.endBackward().stream().map(Parameters.Param::name).toList());
    }
}
