//! The status messages of the session, kept so that none is lost: a long one cut at the
//! screen's edge, or one replaced by the next, can be read whole in the messages list
//! (Alt-M).

use std::collections::VecDeque;

use super::Status;

/// How many messages are kept.
pub const KEPT: usize = 100;

#[derive(Clone, Debug, Default)]
pub struct MessageLog {
    items: VecDeque<Status>,
}

impl MessageLog {
    pub fn push(&mut self, status: Status) {
        if self.items.len() == KEPT {
            self.items.pop_front();
        }
        self.items.push_back(status);
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Status> {
        self.items.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_last_hundred_newest_first() {
        let mut log = MessageLog::default();
        for i in 0..150 {
            log.push(Status {
                text: format!("m{i}"),
                error: false,
            });
        }
        assert_eq!(log.len(), KEPT);
        let texts: Vec<&str> = log.newest_first().map(|s| s.text.as_str()).collect();
        assert_eq!(texts[0], "m149");
        assert_eq!(texts[KEPT - 1], "m50");
    }
}
