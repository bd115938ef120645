//! How many streams a parallel ranged download runs: start with one and double while
//! the measured total grows, like TCP's slow start, so a link that one stream fills is
//! not split (on a quiet loopback, extra streams only cost CPU), while a link whose
//! connections are each capped gets as many as pay off.
//!
//! Pure bookkeeping: the download feeds it the bytes written so far at every tick and
//! starts or retires workers as it answers. The first window after a change is not
//! measured (new connections spend it connecting and asking), the next one is.

use std::time::Duration;

/// A stream count must raise the total by this fraction over the count before it to
/// be kept growing; doubling a capped link's streams adds ~100 %, noise a few percent.
const GAIN: f64 = 0.25;

/// What the download should do after a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Keep the streams as they are.
    Hold,
    /// Start this many more streams.
    Add(usize),
    /// Let this many streams stop after their current part.
    Retire(usize),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Phase {
    /// Streams changed at the last tick: this window settles.
    Settling,
    /// This window is measured.
    Measuring { from_bytes: u64 },
    /// Growth stopped: the count stays.
    Settled,
}

#[derive(Debug)]
pub(crate) struct Ramp {
    max: usize,
    streams: usize,
    phase: Phase,
    /// The rate measured with the count before the current one (bytes per window).
    previous_rate: Option<u64>,
    /// Streams the last change added.
    last_added: usize,
    /// One stream that already delivers this many bytes a window is left alone: no
    /// capped link gives one connection that much, so a second would only share the
    /// same CPU (a loopback or a LAN, where extra streams measured slower).
    alone_from: Option<u64>,
}

impl Ramp {
    /// One stream running, at most `max`.
    pub fn new(max: usize) -> Ramp {
        Ramp::starting(1, max)
    }

    /// `streams` running (a link's measured round trip says a few will pay), at most
    /// `max`; they may still double or be taken back.
    pub fn starting(streams: usize, max: usize) -> Ramp {
        let max = max.max(1);
        Ramp {
            max,
            streams: streams.clamp(1, max),
            phase: Phase::Settling,
            previous_rate: None,
            last_added: 0,
            alone_from: None,
        }
    }

    /// Leaves one stream alone once it delivers `bytes` in a window (see `alone_from`).
    pub fn alone_from(mut self, bytes: u64) -> Ramp {
        self.alone_from = Some(bytes);
        self
    }

    pub fn streams(&self) -> usize {
        self.streams
    }

    /// Called once per window with the bytes written so far.
    pub fn tick(&mut self, bytes: u64) -> Step {
        match self.phase {
            Phase::Settled => Step::Hold,
            Phase::Settling => {
                self.phase = Phase::Measuring { from_bytes: bytes };
                Step::Hold
            }
            Phase::Measuring { from_bytes } => {
                let rate = bytes.saturating_sub(from_bytes);
                self.decide(rate)
            }
        }
    }

    fn decide(&mut self, rate: u64) -> Step {
        if self.streams == 1 && self.alone_from.is_some_and(|fast| rate >= fast) {
            self.phase = Phase::Settled;
            return Step::Hold;
        }
        let grew = match self.previous_rate {
            None => true,
            Some(before) => rate as f64 > before as f64 * (1.0 + GAIN),
        };
        if grew && self.streams < self.max {
            let more = self.streams.min(self.max - self.streams);
            self.streams += more;
            self.last_added = more;
            self.previous_rate = Some(rate);
            self.phase = Phase::Settling;
            return Step::Add(more);
        }
        self.phase = Phase::Settled;
        if grew || self.last_added == 0 {
            return Step::Hold;
        }
        // The last streams added did not pay: back to the count before them (the same
        // rate with fewer connections, or a better one when they hurt).
        let fewer = self.last_added;
        self.streams -= fewer;
        Step::Retire(fewer)
    }
}

/// The ramp's window: long enough to hold a few chunks of one stream on a fast link,
/// and a few round trips on a slow one (`first_byte`: how long the first stream took
/// to deliver its first chunk).
pub(crate) fn window(first_byte: Duration) -> Duration {
    (first_byte * 2).clamp(Duration::from_millis(100), Duration::from_millis(500))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a ramp against a link where each stream gives `per_stream` bytes a window
    /// up to `total` for all of them; returns the streams it settles on.
    fn settle(max: usize, per_stream: u64, total: u64) -> usize {
        let mut ramp = Ramp::new(max);
        let mut bytes = 0;
        for _ in 0..40 {
            bytes += (per_stream * ramp.streams() as u64).min(total);
            match ramp.tick(bytes) {
                Step::Hold | Step::Add(_) | Step::Retire(_) => {}
            }
        }
        ramp.streams()
    }

    #[test]
    fn a_link_with_capped_connections_gets_the_streams_that_fill_it() {
        // 16 MiB/s per connection, 64 MiB/s in all: four streams fill it; eight add
        // nothing, so the ramp goes back to four.
        assert_eq!(settle(8, 16, 64), 4);
        // No total cap: all eight.
        assert_eq!(settle(8, 16, u64::MAX), 8);
    }

    #[test]
    fn a_link_one_stream_fills_stays_at_one() {
        assert_eq!(settle(8, 100, 100), 1);
    }

    #[test]
    fn a_fast_lone_stream_is_left_alone_and_a_capped_one_is_not() {
        let mut fast = Ramp::new(8).alone_from(50);
        assert_eq!(fast.tick(0), Step::Hold); // settling
        assert_eq!(fast.tick(80), Step::Hold); // 80 a window: left alone
        assert_eq!(fast.tick(1_000), Step::Hold);
        assert_eq!(fast.streams(), 1);
        let mut capped = Ramp::new(8).alone_from(50);
        assert_eq!(capped.tick(0), Step::Hold);
        assert_eq!(capped.tick(20), Step::Add(1)); // 20 a window: a capped stream
    }

    #[test]
    fn a_ramp_started_at_four_doubles_then_takes_back_what_adds_nothing() {
        let mut ramp = Ramp::starting(4, 8);
        assert_eq!(ramp.streams(), 4);
        assert_eq!(ramp.tick(0), Step::Hold); // settling
        assert_eq!(ramp.tick(400), Step::Add(4)); // 400 with four
        assert_eq!(ramp.tick(800), Step::Hold); // settling
        assert_eq!(ramp.tick(1_210), Step::Retire(4)); // 410 with eight: no gain
        assert_eq!(ramp.streams(), 4);
        assert_eq!(Ramp::starting(9, 8).streams(), 8);
    }

    #[test]
    fn a_doubling_that_hurts_is_taken_back() {
        let mut ramp = Ramp::new(8);
        assert_eq!(ramp.tick(0), Step::Hold); // settling
        assert_eq!(ramp.tick(100), Step::Add(1)); // 100 with one stream
        assert_eq!(ramp.tick(150), Step::Hold); // settling
        assert_eq!(ramp.tick(230), Step::Retire(1)); // 80 with two: worse
        assert_eq!(ramp.streams(), 1);
        assert_eq!(ramp.tick(10_000), Step::Hold); // settled for good
    }

    #[test]
    fn the_window_follows_the_first_byte_within_bounds() {
        assert_eq!(window(Duration::from_millis(1)), Duration::from_millis(100));
        assert_eq!(
            window(Duration::from_millis(60)),
            Duration::from_millis(120)
        );
        assert_eq!(window(Duration::from_secs(3)), Duration::from_millis(500));
    }
}
