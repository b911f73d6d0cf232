package eim.tasks.kernels;

/**
 * Counter-based random numbers shared by the portable bodies and the java fast paths: the value
 * for (seed, index) is a pure function, so dropout masks are identical on every backend and need
 * no stored state.
 *
 * <p>Written so that TornadoVM can compile it inside portable bodies: the unsigned shifts are
 * spelled {@code (x >> k) & ((1 << (32 - k)) - 1)} (bit-identical to {@code x >>> k}), since
 * TornadoVM 5.2 miscompiles {@code >>>} on int.
 */
public final class Rng {
    private Rng() {}

    /** A 32-bit mix of seed and index (lowbias32 finaliser, as unsigned ints). */
    public static int hash(int seed, int index) {
        int x = index * 0x9E3779B9 ^ seed * 0x85EBCA6B;
        x ^= (x >> 16) & 0xFFFF;
        x *= 0x7FEB352D;
        x ^= (x >> 15) & 0x1FFFF;
        x *= 0x846CA68B;
        x ^= (x >> 16) & 0xFFFF;
        return x;
    }

    /**
     * The shard offset a dropout seed carries in its second slot (0 for a one-element seed): the
     * draws of a data-parallel shard start where the whole batch's would (see Dropout).
     */
    public static int offset(int[] seed) {
        return seed.length > 1 ? seed[1] : 0;
    }

    /** Uniform in [0, 1) with 24 random bits. */
    public static float uniform(int seed, int index) {
        return ((hash(seed, index) >> 8) & 0xFFFFFF) * 0x1.0p-24f;
    }
}
