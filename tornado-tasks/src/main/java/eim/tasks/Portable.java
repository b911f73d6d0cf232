package eim.tasks;

import java.io.Serializable;
import uk.ac.manchester.tornado.api.common.TornadoFunctions;

/**
 * The shapes a kernel's portable body can have: TornadoVM's {@code TaskN} functional interfaces,
 * made {@link Serializable} so that {@link Kernel} can find the static method a method reference
 * names (its parameter types check every task's arguments). N counts every parameter, the
 * leading {@code from, to} slice bounds included.
 */
public final class Portable {
    private Portable() {}

    public interface P3<T1, T2, T3> extends TornadoFunctions.Task3<T1, T2, T3>, Serializable {}

    public interface P4<T1, T2, T3, T4> extends TornadoFunctions.Task4<T1, T2, T3, T4>, Serializable {}

    public interface P5<T1, T2, T3, T4, T5> extends TornadoFunctions.Task5<T1, T2, T3, T4, T5>, Serializable {}

    public interface P6<T1, T2, T3, T4, T5, T6> extends TornadoFunctions.Task6<T1, T2, T3, T4, T5, T6>, Serializable {}

    public interface P7<T1, T2, T3, T4, T5, T6, T7> extends TornadoFunctions.Task7<T1, T2, T3, T4, T5, T6, T7>, Serializable {}

    public interface P8<T1, T2, T3, T4, T5, T6, T7, T8> extends TornadoFunctions.Task8<T1, T2, T3, T4, T5, T6, T7, T8>, Serializable {}

    public interface P9<T1, T2, T3, T4, T5, T6, T7, T8, T9> extends TornadoFunctions.Task9<T1, T2, T3, T4, T5, T6, T7, T8, T9>, Serializable {}

    public interface P10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> extends TornadoFunctions.Task10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>, Serializable {}

    public interface P11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> extends TornadoFunctions.Task11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>, Serializable {}

    public interface P12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> extends TornadoFunctions.Task12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>, Serializable {}

    public interface P13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> extends TornadoFunctions.Task13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13>, Serializable {}

    public interface P14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> extends TornadoFunctions.Task14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14>, Serializable {}

    public interface P15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> extends TornadoFunctions.Task15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15>, Serializable {}

    public interface P16<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> extends TornadoFunctions.Task16<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16>, Serializable {}

    public interface P17<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> extends TornadoFunctions.Task17<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17>, Serializable {}

    public interface P18<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> extends TornadoFunctions.Task18<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18>, Serializable {}

    public interface P19<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> extends TornadoFunctions.Task19<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19>, Serializable {}

    public interface P20<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> extends TornadoFunctions.Task20<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20>, Serializable {}
}
