import Foundation

/// How glibc's malloc should behave in a long-running daemon that has bursts of large allocations (decoded photos,
/// network activations) and then sits idle for hours.
///
/// By default glibc raises its mmap and trim thresholds after each large block freed (up to 32 and 64 MB), and gives
/// each new thread an arena of its own (up to 8 per core): after indexing, cairnd held 14 arenas whose freed tops
/// (50–60 MB each, beyond `malloc_trim`'s reach: it releases free chunks in bins, not a secondary arena's top) kept
/// 370 MB resident with 33 MB in use. Fixed thresholds and two arenas keep idle memory near what is in use
/// (docs/PERFORMANCE.md, "Memory").
public enum HeapPolicy {
    /// Blocks of this size or more are mapped on their own and unmapped when freed.
    public static let mmapThreshold = 4 << 20
    /// A heap's free top beyond this is returned to the system when memory is freed.
    public static let trimThreshold = 8 << 20
    /// Arenas shared by all threads (the two recognition workers, ingest, the catalog's reader threads).
    public static let arenas = 2

    /// Applies the policy; call first thing in the process, before threads start. Does nothing where `mallopt` is
    /// not glibc's.
    public static func apply() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        // <malloc.h>: M_TRIM_THRESHOLD -1, M_MMAP_THRESHOLD -3, M_ARENA_MAX -8.
        _ = mallopt(-1, Int32(trimThreshold))
        _ = mallopt(-3, Int32(mmapThreshold))
        _ = mallopt(-8, Int32(arenas))
    }
}
