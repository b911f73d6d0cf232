// Shared by every kernel source (prepended at build time).
// Kernels mirror their Java twins: same argument order, one work item per point of the range.

// Twin of eim.tasks.kernels.Rng: counter-based hash, identical bits on every backend.
inline uint rng_hash(int seed, int index) {
    uint x = ((uint) index * 0x9E3779B9u) ^ ((uint) seed * 0x85EBCA6Bu);
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return x;
}

inline float rng_uniform(int seed, int index) {
    return (float) (rng_hash(seed, index) >> 8) * 0x1.0p-24f;
}
