// A software prefetch for Swift, which has no intrinsic for it: the compiler's builtin, inlined
// at the call site (no library to link).

/// Asks the CPU to bring the cache line at `address` towards L1 for a read, without waiting for it.
static inline void rdc_prefetch_for_read(const void *address) {
    __builtin_prefetch(address, 0, 3);
}
