//! How many files a job keeps in flight, from the measured round trip to the NAS.
//!
//! A small file costs a NAS a few requests, each a round trip of waiting. On loopback
//! or a LAN the waits are short and the work per file (server, client, disk) is what
//! bounds the rate: about eight files at once is measured best there
//! (docs/PERFORMANCE.md). Over a slow link the same eight files mostly wait, so the
//! count grows with the round trip: by Little's law, the files needed in flight to
//! keep the same rate grow with the time each one takes, and on a link that time is
//! mostly `requests × RTT`. The ceiling keeps a far link from opening a socket storm.

use std::time::{Duration, Instant};

use crate::vfs::{Entry, VPath, VfsHandle};

/// Files in flight never exceed this, whatever the round trip.
pub(crate) const MAX_IN_FLIGHT: usize = 64;

/// A file's own work (server, client, disk) on a quiet loopback, measured with the
/// emulators: a round trip of this length doubles the time a small file takes.
const WORK_PER_FILE: Duration = Duration::from_millis(5);

/// Files in flight for a job whose base is `workers` (the loopback best) on a link
/// with round trip `rtt`: `workers × (1 + rtt / WORK_PER_FILE)`, at most
/// [`MAX_IN_FLIGHT`] and never below `workers`.
pub(crate) fn files_in_flight(workers: usize, rtt: Duration) -> usize {
    let workers = workers.max(1);
    let stretch = rtt.as_secs_f64() / WORK_PER_FILE.as_secs_f64();
    let wanted = (workers as f64 * (1.0 + stretch)).round();
    if wanted.is_finite() && wanted < MAX_IN_FLIGHT as f64 {
        (wanted as usize).max(workers)
    } else {
        MAX_IN_FLIGHT.max(workers)
    }
}

/// One round trip to `vfs`: the quicker of two timed `stat`s of `path` (the first may
/// pay for opening a connection), or of one and `first`, a `stat` of the same end the
/// caller already timed. Answers the entry of the last `stat` too, so the caller need
/// not ask for it again (a link get starts one round trip earlier). `None` when the
/// backend fails to answer; the caller then keeps its base count. On a local disk this
/// is microseconds.
pub(crate) async fn round_trip(
    vfs: &VfsHandle,
    path: &VPath,
    first: Option<Duration>,
) -> Option<(Duration, Entry)> {
    let mut best = first;
    let mut entry = None;
    for _ in 0..(2 - usize::from(first.is_some())) {
        let started = Instant::now();
        entry = Some(vfs.stat(path).await.ok()?);
        let took = started.elapsed();
        best = Some(best.map_or(took, |b| b.min(took)));
    }
    Some((best?, entry?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_keeps_the_base_and_a_link_raises_it_up_to_the_ceiling() {
        assert_eq!(files_in_flight(8, Duration::from_micros(50)), 8);
        assert_eq!(files_in_flight(8, Duration::from_millis(1)), 10);
        assert_eq!(files_in_flight(8, Duration::from_millis(20)), 40);
        assert_eq!(files_in_flight(8, Duration::from_millis(50)), MAX_IN_FLIGHT);
        assert_eq!(files_in_flight(8, Duration::from_secs(3600)), MAX_IN_FLIGHT);
        // A count asked for above the ceiling is kept.
        assert_eq!(files_in_flight(100, Duration::from_millis(20)), 100);
        assert_eq!(files_in_flight(0, Duration::ZERO), 1);
    }
}
