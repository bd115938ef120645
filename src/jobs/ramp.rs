//! How many streams a parallel ranged download runs: start with one and double while
//! the measured total grows, like TCP's slow start, so a link that one stream fills is
//! not split (on a quiet loopback, extra streams only cost CPU), while a link whose
//! connections are each capped gets as many as pay off.
//!
//! Pure bookkeeping: the download samples, every few milliseconds, the bytes each
//! stream has received so far (counted as they arrive from the socket, not in write
//! steps) and starts or retires streams as the ramp answers. After a change, the ramp
//! waits until every new stream delivered its first bytes (connecting and asking cost
//! a round trip or two), then measures for a window of about two first-byte delays and
//! at least `MIN_BYTES`: a doubling is judged within a few round trips.

use std::time::Duration;

/// A stream count must raise the total by this fraction over the count before it to
/// be kept growing; doubling a capped link's streams adds ~100 %, noise a few percent.
const GAIN: f64 = 0.25;
/// …and the streams that ran before must keep this share of their rate: where the
/// limit is the CPU (a loopback) or the whole link, new streams take their bytes from
/// the old ones, so a total that looks higher is noise.
const KEEP: f64 = 0.75;
/// Shortest and longest measuring window.
const WINDOW_MIN: Duration = Duration::from_millis(20);
const WINDOW_MAX: Duration = Duration::from_millis(250);
/// Bytes a window must hold before it is judged (a rate over a few packets is noise).
const MIN_BYTES: u64 = 1 << 20;
/// One stream at least this fast is not split: no link whose connections are capped
/// gives that much per connection, while a loopback or a fast LAN does, where extra
/// streams only cost CPU (and a loaded machine's 5 ms samples of a CPU-bound stream are
/// too noisy to judge a doubling by: measured, the ramp then added streams on loopback).
const FAST_ENOUGH: f64 = 256.0 * (1 << 20) as f64;
/// A window is judged after this long whatever it holds.
const MEASURE_MAX: Duration = Duration::from_secs(1);
/// New streams that have not delivered a byte after this long are measured anyway.
const START_MAX: Duration = Duration::from_secs(1);

/// What the download should do after a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Keep the streams as they are.
    Hold,
    /// Start this many more streams.
    Add(usize),
    /// Let this many streams (the last ones started) stop.
    Retire(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Streams were started at `since`: waiting for each to deliver.
    Starting { since: Duration },
    /// Measuring since `from`, when the streams had received `total` bytes, `old` of
    /// them on the streams that ran before the last change.
    Measuring {
        from: Duration,
        total: u64,
        old: u64,
    },
    /// Growth stopped: the count stays.
    Settled,
}

#[derive(Debug)]
pub(crate) struct Ramp {
    max: usize,
    streams: usize,
    phase: Phase,
    /// The rate (bytes per second) measured with the count before the current one.
    before: Option<f64>,
    /// Streams the last change added.
    added: usize,
    /// Set from the first stream's first-byte delay.
    window: Duration,
}

impl Ramp {
    /// One stream running (started at sample time zero), at most `max`.
    pub fn new(max: usize) -> Ramp {
        Ramp {
            max: max.max(1),
            streams: 1,
            phase: Phase::Starting {
                since: Duration::ZERO,
            },
            before: None,
            added: 0,
            window: WINDOW_MIN,
        }
    }

    pub fn streams(&self) -> usize {
        self.streams
    }

    /// Nothing more will change.
    pub fn settled(&self) -> bool {
        self.phase == Phase::Settled
    }

    /// Stops growing (the file is nearly done: new streams would find no work).
    pub fn settle(&mut self) {
        self.phase = Phase::Settled;
    }

    /// One sample: `at` since the download started, `arrived[i]` the bytes stream `i`
    /// received so far (streams numbered in the order they started).
    pub fn observe(&mut self, at: Duration, arrived: &[u64]) -> Step {
        let now = arrived.iter().take(self.streams);
        let total: u64 = now.clone().sum();
        let old: u64 = now.clone().take(self.streams - self.added).sum();
        match self.phase {
            Phase::Settled => Step::Hold,
            Phase::Starting { since } => {
                let all_delivering = now.clone().all(|&b| b > 0);
                if !all_delivering && at.saturating_sub(since) < START_MAX {
                    return Step::Hold;
                }
                if self.before.is_none() {
                    self.window = (at.saturating_sub(since) * 2).clamp(WINDOW_MIN, WINDOW_MAX);
                }
                self.phase = Phase::Measuring {
                    from: at,
                    total,
                    old,
                };
                Step::Hold
            }
            Phase::Measuring {
                from,
                total: from_total,
                old: from_old,
            } => {
                let took = at.saturating_sub(from);
                let got = total.saturating_sub(from_total);
                let long_enough = took >= self.window && got >= MIN_BYTES;
                if !long_enough && took < MEASURE_MAX {
                    return Step::Hold;
                }
                let secs = took.as_secs_f64().max(1e-6);
                let rate = got as f64 / secs;
                let old_rate = old.saturating_sub(from_old) as f64 / secs;
                self.decide(at, rate, old_rate)
            }
        }
    }

    fn decide(&mut self, at: Duration, rate: f64, old_rate: f64) -> Step {
        let grew = match self.before {
            None => rate < FAST_ENOUGH,
            Some(before) => rate > before * (1.0 + GAIN) && old_rate >= before * KEEP,
        };
        if grew && self.streams < self.max {
            let more = self.streams.min(self.max - self.streams);
            self.streams += more;
            self.added = more;
            self.before = Some(rate);
            self.phase = Phase::Starting { since: at };
            return Step::Add(more);
        }
        self.phase = Phase::Settled;
        if grew || self.added == 0 {
            return Step::Hold;
        }
        // The last streams added did not pay: back to the count before them (the same
        // rate with fewer connections, or a better one when they hurt).
        let fewer = self.added;
        self.streams -= fewer;
        self.added = 0;
        Step::Retire(fewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);
    const MIB: f64 = (1 << 20) as f64;

    /// A link where each stream delivers `per_stream` MiB/s, all of them together at
    /// most `total` MiB/s (shared evenly), a new stream's first byte `delay` after it
    /// starts. Returns the streams the ramp settles on and when it settled.
    fn settle(max: usize, per_stream: f64, total: f64, delay: Duration) -> (usize, Duration) {
        let mut ramp = Ramp::new(max);
        let mut started = vec![Duration::ZERO];
        let mut arrived = vec![0f64; max];
        let step = 5 * MS;
        let mut at = Duration::ZERO;
        while at < Duration::from_secs(10) {
            at += step;
            let live: Vec<usize> = (0..ramp.streams())
                .filter(|&i| at >= started[i] + delay)
                .collect();
            let each = per_stream.min(total / live.len().max(1) as f64);
            for &i in &live {
                arrived[i] += each * MIB * step.as_secs_f64();
            }
            let bytes: Vec<u64> = arrived.iter().map(|&b| b as u64).collect();
            match ramp.observe(at, &bytes) {
                Step::Add(n) => started.extend(std::iter::repeat_n(at, n)),
                Step::Retire(n) => started.truncate(started.len() - n),
                Step::Hold => {}
            }
            if ramp.settled() {
                return (ramp.streams(), at);
            }
        }
        (ramp.streams(), at)
    }

    #[test]
    fn a_link_with_capped_connections_gets_the_streams_that_fill_it_quickly() {
        // 16 MiB/s per connection, 64 MiB/s in all, 40 ms to a new stream's first
        // byte: four streams fill it, eight add nothing, so the ramp goes back to four,
        // and it knows within half a second.
        let (streams, when) = settle(8, 16.0, 64.0, 40 * MS);
        assert_eq!(streams, 4);
        assert!(when < 600 * MS, "{when:?}");
        // No total cap: all eight.
        assert_eq!(settle(8, 16.0, f64::INFINITY, 40 * MS).0, 8);
    }

    #[test]
    fn a_link_one_stream_fills_stays_at_one() {
        assert_eq!(settle(8, 1000.0, 1000.0, MS).0, 1);
        // Even when a second stream would seem to add (a noisy loopback), one stream
        // that fast is left alone.
        assert_eq!(settle(8, 400.0, 800.0, MS).0, 1);
        assert_eq!(settle(8, 100.0, 800.0, MS).0, 8);
        assert_eq!(settle(8, 100.0, 100.0, 40 * MS).0, 1);
    }

    #[test]
    fn a_doubling_that_hurts_is_taken_back() {
        let mut ramp = Ramp::new(8);
        assert_eq!(ramp.observe(10 * MS, &[1]), Step::Hold); // first byte: measuring
        assert_eq!(ramp.observe(40 * MS, &[2 << 20]), Step::Add(1));
        assert_eq!(ramp.observe(50 * MS, &[3 << 20, 0]), Step::Hold); // not delivering
        assert_eq!(ramp.observe(60 * MS, &[3 << 20, 1]), Step::Hold); // measuring
        // 2 MiB in 30 ms with two streams, as with one.
        assert_eq!(ramp.observe(90 * MS, &[4 << 20, 1 << 20]), Step::Retire(1));
        assert_eq!(ramp.streams(), 1);
        assert!(ramp.settled());
        assert_eq!(ramp.observe(900 * MS, &[1 << 30, 0]), Step::Hold);
    }

    #[test]
    fn a_total_that_grows_only_by_starving_the_old_streams_does_not_count() {
        let mut ramp = Ramp::new(8);
        ramp.observe(10 * MS, &[1]);
        assert_eq!(ramp.observe(40 * MS, &[5 << 20]), Step::Add(1));
        ramp.observe(50 * MS, &[5 << 20, 1]);
        // 30 ms: the old stream got 2.5 MiB (half its rate), the new one 4 MiB.
        assert_eq!(
            ramp.observe(80 * MS, &[(15 << 20) / 2, 4 << 20]),
            Step::Retire(1)
        );
    }
}
