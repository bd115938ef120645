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

/// Sweep notes ("removed 2 stale temporary files from …") shown since the last key: a
/// status message arriving before the user pressed a key (a job's "Copied 3 items") is
/// shown with them rather than over them, and a note arriving while such a message shows
/// joins it. The messages list keeps each as it came.
#[derive(Clone, Debug, Default)]
pub struct Unseen {
    sweeps: Vec<String>,
    /// A status message was set since the last key.
    status: bool,
}

impl Unseen {
    /// A key: what the status line shows has been seen.
    pub fn seen(&mut self) {
        self.sweeps.clear();
        self.status = false;
    }

    /// What the status line shows for `status`: it, then the unseen sweep notes.
    pub fn with_notes(&mut self, mut status: Status) -> Status {
        self.status = true;
        for note in &self.sweeps {
            if !status.text.contains(note.as_str()) {
                status.text.push_str("; ");
                status.text.push_str(note);
            }
        }
        status
    }

    /// What the status line shows for sweep note `note` arriving while `current` shows.
    pub fn note(&mut self, current: Option<&Status>, note: String) -> Status {
        let shown = match current.filter(|_| self.status) {
            Some(c) if c.text.contains(note.as_str()) => c.clone(),
            Some(c) => Status {
                text: format!("{}; {note}", c.text),
                error: c.error,
            },
            None => Status {
                text: note.clone(),
                error: false,
            },
        };
        self.sweeps.push(note);
        self.status = true;
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(text: &str) -> Status {
        Status {
            text: text.to_owned(),
            error: false,
        }
    }

    #[test]
    fn a_sweep_note_is_shown_with_the_messages_around_it_until_a_key() {
        let mut u = Unseen::default();
        // A message, then a note: joined.
        let copied = u.with_notes(status("Copied 3 items"));
        let shown = u.note(Some(&copied), "removed 1 stale temporary file".to_owned());
        assert_eq!(shown.text, "Copied 3 items; removed 1 stale temporary file");
        // The next message keeps the note.
        let next = u.with_notes(status("Listed"));
        assert_eq!(next.text, "Listed; removed 1 stale temporary file");
        u.seen();
        assert_eq!(u.with_notes(status("Moved")).text, "Moved");
        // A note after a key, over an old message: alone.
        u.seen();
        let shown = u.note(Some(&status("old")), "removed 2".to_owned());
        assert_eq!(shown.text, "removed 2");
    }

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
