// Shared by every kernel source (prepended at build time).
// Kernels mirror their Java twins: same argument order, one work item per point of the range.
#define WINDOW_UNBOUNDED (-1)
