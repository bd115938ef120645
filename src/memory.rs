//! How the process's allocator gives memory back. A huge NAS folder is read as pages of
//! a few MB of JSON, several at once, each on whichever worker thread runs its task.
//! glibc's allocator serves a block of that size with its own mapping only until the
//! first such block is freed: then it raises its threshold to the block's size and
//! serves the next ones from its per-thread arenas, where freed pages stay resident. A
//! 100 000-entry QNAP folder listed through the link bench peaked at 76–80 MiB RSS
//! for 34 MiB of live heap (heaptrack); with the threshold held at 256 KiB, 42 MiB
//! (docs/PERFORMANCE.md, "Session 9").
//!
//! The threshold must stay above the blocks a transfer allocates for every chunk:
//! hyper's read buffer (up to 408 KiB) and the Freebox upload's 512 KiB frames. Below
//! them, each chunk got a fresh mapping, faulted in page by page and unmapped again:
//! 133 000 page faults for a 512 MiB get, a third of its CPU (docs/PERFORMANCE.md,
//! "Session 10").

/// Blocks of this size and more get a mapping of their own, returned whole on free.
pub const MMAP_THRESHOLD: usize = 1024 * 1024;

/// Free memory at the top of a heap is given back to the system only beyond this. At
/// glibc's default (128 KiB, fixed once the mmap threshold is set) every freed chunk
/// buffer was handed back with `madvise` and faulted in again for the next chunk.
pub const TRIM_THRESHOLD: usize = 2 * MMAP_THRESHOLD;

/// Holds glibc's mmap threshold at [`MMAP_THRESHOLD`] (which also stops its dynamic
/// raising) and its trim threshold at [`TRIM_THRESHOLD`]. Called once at start by the binary (not for `nascmd emulate`, which builds
/// big replies rather than reading them: there the mappings cost more CPU than they
/// save) and by the benches that measure the client; nothing to do with another C
/// library.
pub fn keep_big_blocks_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: `mallopt` only sets a tunable of glibc's allocator; it is thread-safe
        // and has no precondition on the caller (M_MMAP_THRESHOLD takes a byte count).
        // A refusal (0) leaves the allocator as it was: nothing to handle.
        let _ = unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int) };
        // SAFETY: as above (M_TRIM_THRESHOLD takes a byte count too).
        let _ = unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int) };
    }
}
