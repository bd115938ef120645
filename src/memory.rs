//! How the process's allocator gives memory back. A huge NAS folder is read as pages of
//! a few MB of JSON, several at once, each on whichever worker thread runs its task.
//! glibc's allocator serves a block of that size with its own mapping only until the
//! first such block is freed: then it raises its threshold to the block's size and
//! serves the next ones from its per-thread arenas, where freed pages stay resident. A
//! 100 000-entry QNAP folder listed through the link bench peaked at 76–80 MiB RSS
//! for 34 MiB of live heap (heaptrack); with the threshold held at
//! [`MMAP_THRESHOLD`], 42 MiB (docs/PERFORMANCE.md, "Session 9").

/// Blocks of this size and more get a mapping of their own, returned whole on free.
pub const MMAP_THRESHOLD: usize = 256 * 1024;

/// Holds glibc's mmap threshold at [`MMAP_THRESHOLD`] (which also stops its dynamic
/// raising). Called once at start by the binary (not for `nascmd emulate`, which builds
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
    }
}
