//! The emulators' wall clock, with an offset a test (or a demo) can move, so link expiry
//! can be checked without waiting: `clock.advance(2 h)` and a 1-hour link is dead.
//! Clones share the offset, so the handle kept by a test moves the running server's clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

#[derive(Clone, Default)]
pub struct EmulatorClock {
    /// Seconds added to the system clock.
    offset: Arc<AtomicI64>,
}

impl EmulatorClock {
    /// Unix seconds as the emulated box sees them.
    pub fn now(&self) -> i64 {
        time::OffsetDateTime::now_utc()
            .unix_timestamp()
            .saturating_add(self.offset_secs())
    }

    /// Moves the box's clock forward by `by` (time passes for it at once).
    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset.fetch_add(secs, Ordering::SeqCst);
    }

    /// Sets how far (seconds, negative: behind) the box's clock is from the system's.
    pub fn set_offset_secs(&self, secs: i64) {
        self.offset.store(secs, Ordering::SeqCst);
    }

    pub fn offset_secs(&self) -> i64 {
        self.offset.load(Ordering::SeqCst)
    }
}

impl std::fmt::Debug for EmulatorClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EmulatorClock(offset {}s)", self.offset_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_offset() {
        let clock = EmulatorClock::default();
        let handle = clock.clone();
        let before = clock.now();
        handle.advance(Duration::from_secs(7_200));
        assert!(clock.now() >= before + 7_200);
        handle.set_offset_secs(-60);
        assert_eq!(clock.offset_secs(), -60);
    }
}
