//! Who fetches which bytes of a parallel download: the file as an ordered list of
//! spans, each with the bytes written from its start, the bytes its stream has asked
//! for (claimed) and the stream working on it.
//!
//! A download starts as one span, the whole file, read by one plain request. A stream
//! that joins (or runs out of work) takes a span nobody works on, else the back half
//! of the span with the most bytes not yet asked for: the stream owning it then stops
//! at the new end. Other requests are bounded (`ask`), and a split never falls inside
//! one, so their bytes are never fetched twice; only the plain request, which asks for
//! everything, is cut (what is in flight on its connection is lost). Claimed bytes are
//! never taken, so no byte is written by two streams. Spans are known by their start,
//! which never changes (a split makes a new span).

use std::ops::Range;

use super::super::resume::RangeDone;

/// Splits are made on this boundary (the page cache's and most disks' friend).
const ALIGN: u64 = 64 << 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: u64,
    end: u64,
    /// Bytes `start..written` are in the file.
    written: u64,
    /// Bytes `start..claimed` are taken by the owner (written or on their way).
    claimed: u64,
    /// The end of the owner's bounded request (at most `claimed` when it has none, or
    /// reads the plain request, which may be cut anywhere).
    asked: u64,
    owner: Option<usize>,
}

impl Span {
    /// Where another stream may split this span: past the bytes taken and the bounded
    /// request they come from.
    fn boundary(&self) -> u64 {
        self.claimed.max(self.asked)
    }
}

/// Work handed to a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Work {
    /// The span's key.
    pub start: u64,
    /// First byte to fetch.
    pub from: u64,
    /// The whole file, nothing of it written yet: one plain request may fetch it.
    pub whole: bool,
}

#[derive(Debug)]
pub(super) struct Layout {
    spans: Vec<Span>,
}

impl Layout {
    /// A fresh download of `len` bytes: one span, nothing written.
    pub fn fresh(len: u64) -> Layout {
        Layout::resumed(&[RangeDone::fresh(0..len)])
    }

    /// Continues the ranges an earlier run recorded (they cover the file in order).
    pub fn resumed(ranges: &[RangeDone]) -> Layout {
        Layout {
            spans: ranges
                .iter()
                .map(|r| Span {
                    start: r.start,
                    end: r.end,
                    written: r.done,
                    claimed: r.done,
                    asked: r.done,
                    owner: None,
                })
                .collect(),
        }
    }

    fn span_mut(&mut self, start: u64) -> Option<&mut Span> {
        let i = self.spans.binary_search_by_key(&start, |s| s.start).ok()?;
        self.spans.get_mut(i)
    }

    /// Work for stream `id`: the first span nobody works on that has bytes left, else
    /// the back half of the span with the most unclaimed bytes, when that half is at
    /// least `min_piece` (a request per piece costs a round trip).
    pub fn take(&mut self, id: usize, min_piece: u64) -> Option<Work> {
        let single = self.spans.len() == 1;
        if let Some(s) = self
            .spans
            .iter_mut()
            .find(|s| s.owner.is_none() && s.written < s.end)
        {
            s.owner = Some(id);
            s.claimed = s.written;
            s.asked = s.written;
            return Some(Work {
                start: s.start,
                from: s.written,
                whole: single && s.written == 0,
            });
        }
        let (i, victim) = self
            .spans
            .iter()
            .enumerate()
            .filter(|(_, s)| s.owner.is_some())
            .max_by_key(|(_, s)| s.end - s.boundary())?;
        let left = victim.end - victim.boundary();
        if left < 2 * min_piece.max(ALIGN) {
            return None;
        }
        let at = (victim.boundary() + left / 2).next_multiple_of(ALIGN);
        if at >= victim.end {
            return None;
        }
        let end = victim.end;
        self.spans[i].end = at;
        self.spans.insert(
            i + 1,
            Span {
                start: at,
                end,
                written: at,
                claimed: at,
                asked: at,
                owner: Some(id),
            },
        );
        Some(Work {
            start: at,
            from: at,
            whole: false,
        })
    }

    /// The request stream `id` should make next for span `start`: from its first
    /// byte not yet taken to the span's end when `plain` (the whole body was asked
    /// for), else at most `max` bytes. `None` once the span is taken to its end (or was
    /// given back).
    pub fn ask(&mut self, start: u64, id: usize, plain: bool, max: u64) -> Option<Range<u64>> {
        let s = self.span_mut(start)?;
        if s.claimed >= s.end || s.owner != Some(id) {
            return None;
        }
        let from = s.claimed;
        let to = if plain {
            s.end
        } else {
            (from + max).min(s.end)
        };
        s.asked = if plain { 0 } else { to };
        Some(from..to)
    }

    /// The next bytes (at most `max`, none past `upto`, the end of its request)
    /// stream `id` should read for span `start`; `None` once it claimed up to the
    /// span's end or `upto` (or gave the span back).
    pub fn claim(&mut self, start: u64, id: usize, max: u64, upto: u64) -> Option<Range<u64>> {
        let s = self.span_mut(start)?;
        let end = s.end.min(upto);
        if s.claimed >= end || s.owner != Some(id) {
            return None;
        }
        let at = s.claimed;
        s.claimed = (at + max).min(end);
        Some(at..s.claimed)
    }

    /// Bytes of span `start` are written up to `upto`.
    pub fn wrote(&mut self, start: u64, upto: u64) {
        if let Some(s) = self.span_mut(start) {
            s.written = s.written.max(upto.min(s.end));
        }
    }

    /// Span `start`'s first unwritten byte and its end, as they are now.
    #[cfg(test)]
    pub fn left(&self, start: u64) -> Option<(u64, u64)> {
        let i = self.spans.binary_search_by_key(&start, |s| s.start).ok()?;
        self.spans.get(i).map(|s| (s.written, s.end))
    }

    /// Where span `start`'s bytes are written up to.
    pub fn written(&self, start: u64) -> u64 {
        self.spans
            .binary_search_by_key(&start, |s| s.start)
            .ok()
            .and_then(|i| self.spans.get(i))
            .map_or(start, |s| s.written)
    }

    /// An attempt on span `start` failed: the bytes claimed but not written are asked
    /// for again by the next attempt.
    pub fn unclaim(&mut self, start: u64) {
        if let Some(s) = self.span_mut(start) {
            s.claimed = s.written;
            s.asked = s.written;
        }
    }

    /// The owner of span `start` stops after the bytes it claimed (or its bounded
    /// request): the rest becomes a span of its own for another stream to take.
    pub fn give_back(&mut self, start: u64) {
        let Ok(i) = self.spans.binary_search_by_key(&start, |s| s.start) else {
            return;
        };
        let s = self.spans[i];
        let at = s.boundary();
        if at >= s.end || at == s.start {
            // Nothing taken yet: the whole span goes back as it is.
            if at == s.start {
                self.spans[i].owner = None;
            }
            return;
        }
        self.spans[i].end = at;
        self.spans.insert(
            i + 1,
            Span {
                start: at,
                end: s.end,
                written: at,
                claimed: at,
                asked: at,
                owner: None,
            },
        );
    }

    /// Stream `id` no longer works on span `start`.
    pub fn release(&mut self, start: u64, id: usize) {
        if let Some(s) = self.span_mut(start)
            && s.owner == Some(id)
        {
            s.owner = None;
            s.claimed = s.written;
            s.asked = s.written;
        }
    }

    /// Bytes nobody has claimed yet.
    pub fn unclaimed(&self) -> u64 {
        self.spans.iter().map(|s| s.end - s.claimed).sum()
    }

    /// Bytes written in all.
    pub fn written_total(&self) -> u64 {
        self.spans.iter().map(|s| s.written - s.start).sum()
    }

    /// Every byte is written.
    pub fn complete(&self) -> bool {
        self.spans.iter().all(|s| s.written == s.end)
    }

    /// What a resume record says about the file now: the spans in order, each with its
    /// written bytes, a finished span merged into the one after it (the bytes from its
    /// start to that one's progress are contiguous).
    pub fn ranges(&self) -> Vec<RangeDone> {
        let mut out: Vec<RangeDone> = Vec::with_capacity(self.spans.len());
        for s in &self.spans {
            match out.last_mut() {
                Some(last) if last.done == last.end => {
                    last.end = s.end;
                    last.done = s.written;
                }
                _ => out.push(RangeDone {
                    start: s.start,
                    end: s.end,
                    done: s.written,
                }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1 << 20;

    /// The spans cover the file once, in order, each within itself.
    fn assert_sound(l: &Layout, len: u64) {
        let mut at = 0;
        for s in &l.spans {
            assert_eq!(s.start, at, "{l:?}");
            assert!(s.start <= s.written && s.written <= s.claimed && s.claimed <= s.end);
            at = s.end;
        }
        assert_eq!(at, len);
    }

    #[test]
    fn the_first_stream_takes_the_whole_file() {
        let mut l = Layout::fresh(64 * MIB);
        let w = l.take(0, MIB).unwrap();
        assert_eq!(
            w,
            Work {
                start: 0,
                from: 0,
                whole: true
            }
        );
        assert_eq!(l.left(w.start), Some((0, 64 * MIB)));
        assert_eq!(l.claim(0, 0, MIB, u64::MAX), Some(0..MIB));
        assert_sound(&l, 64 * MIB);
    }

    #[test]
    fn a_joining_stream_takes_the_back_half_of_what_is_unclaimed() {
        let mut l = Layout::fresh(64 * MIB);
        l.take(0, MIB).unwrap();
        l.claim(0, 0, 4 * MIB, u64::MAX);
        let w = l.take(1, MIB).unwrap();
        assert_eq!(
            w,
            Work {
                start: 34 * MIB,
                from: 34 * MIB,
                whole: false,
            }
        );
        assert_eq!(l.left(w.start), Some((34 * MIB, 64 * MIB)));
        // The first stream now stops at 34 MiB.
        l.wrote(0, 4 * MIB);
        let mut last = 0..0;
        while let Some(r) = l.claim(0, 0, 8 * MIB, u64::MAX) {
            last = r;
        }
        assert_eq!(last.end, 34 * MIB);
        // A third one halves the larger remainder (the second stream's).
        let w = l.take(2, MIB).unwrap();
        assert_eq!(l.left(w.start), Some((49 * MIB, 64 * MIB)));
        assert_sound(&l, 64 * MIB);
    }

    #[test]
    fn claimed_bytes_are_never_taken_and_small_remainders_are_left() {
        let mut l = Layout::fresh(3 * MIB);
        l.take(0, MIB).unwrap();
        l.claim(0, 0, 2 * MIB, u64::MAX);
        // 1 MiB unclaimed: less than two pieces.
        assert_eq!(l.take(1, MIB), None);
        assert_eq!(l.unclaimed(), MIB);
    }

    #[test]
    fn given_back_bytes_go_to_the_next_stream_looking_for_work() {
        let mut l = Layout::fresh(16 * MIB);
        l.take(0, MIB).unwrap();
        let w = l.take(1, MIB).unwrap();
        assert_eq!(w.start, 8 * MIB);
        l.claim(w.start, 1, MIB, u64::MAX);
        l.give_back(w.start);
        assert_eq!(
            l.claim(w.start, 1, MIB, u64::MAX),
            None,
            "stops after its claimed bytes"
        );
        l.wrote(w.start, 9 * MIB);
        l.release(w.start, 1);
        let next = l.take(0, MIB).unwrap();
        assert_eq!(
            next,
            Work {
                start: 9 * MIB,
                from: 9 * MIB,
                whole: false,
            }
        );
        assert_eq!(l.left(next.start), Some((9 * MIB, 16 * MIB)));
        assert_sound(&l, 16 * MIB);
    }

    #[test]
    fn a_split_never_falls_inside_a_bounded_request() {
        let mut l = Layout::fresh(64 * MIB);
        l.take(0, MIB).unwrap();
        let w = l.take(1, MIB).unwrap();
        assert_eq!(w.start, 32 * MIB);
        assert_eq!(l.ask(w.start, 1, false, 16 * MIB), Some(32 * MIB..48 * MIB));
        l.claim(w.start, 1, MIB, 48 * MIB);
        // The first stream's plain request can be cut anywhere past its claim; the
        // second's only past 48 MiB.
        l.claim(0, 0, MIB, u64::MAX);
        let a = l.take(2, MIB).unwrap();
        assert_eq!(l.left(a.start), Some((16 * MIB + 512 * 1024, 32 * MIB)));
        let b = l.take(3, MIB).unwrap();
        assert_eq!(l.left(b.start), Some((56 * MIB, 64 * MIB)));
        // The bounded request ends; the next one stops where the span now ends.
        while l.claim(w.start, 1, MIB, 48 * MIB).is_some() {}
        assert_eq!(l.ask(w.start, 1, false, 16 * MIB), Some(48 * MIB..56 * MIB));
        assert_sound(&l, 64 * MIB);
    }

    #[test]
    fn a_failed_attempt_asks_again_from_the_first_unwritten_byte() {
        let mut l = Layout::fresh(16 * MIB);
        l.take(0, MIB).unwrap();
        l.claim(0, 0, MIB, u64::MAX);
        l.wrote(0, MIB);
        l.claim(0, 0, MIB, u64::MAX);
        l.unclaim(0);
        assert_eq!(l.claim(0, 0, MIB, u64::MAX), Some(MIB..2 * MIB));
    }

    #[test]
    fn records_merge_finished_spans_into_the_next() {
        let mut l = Layout::fresh(16 * MIB);
        l.take(0, MIB).unwrap();
        let back = l.take(1, MIB).unwrap().start;
        l.claim(0, 0, 8 * MIB, u64::MAX);
        l.wrote(0, 8 * MIB);
        l.claim(back, 1, MIB, u64::MAX);
        l.wrote(back, 9 * MIB);
        assert!(!l.complete());
        assert_eq!(
            l.ranges(),
            vec![RangeDone {
                start: 0,
                end: 16 * MIB,
                done: 9 * MIB
            }]
        );
        assert_eq!(l.written_total(), 9 * MIB);
        let resumed = Layout::resumed(&l.ranges());
        assert_eq!(resumed.written_total(), 9 * MIB);
    }
}
