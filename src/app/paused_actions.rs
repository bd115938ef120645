//! Forgetting a paused (restored) job: its row says "forgotten" while what its
//! unfinished transfers left is removed, then says what came back. Resuming one goes
//! through the connect dialogs (`connect_actions.rs`, `resume_paused`).

use crate::jobs::JobId;

use super::{App, Cmd};

/// The row of a paused sync found already in sync, while it is forgotten.
const SETTLING: &str = "already in sync — forgetting it…";

impl App {
    /// The user confirmed forgetting paused job `id` (journal key `key`).
    pub(super) fn forget_paused(&mut self, id: JobId, key: String) -> Vec<Cmd> {
        if let Some(job) = self.jobs.get_mut(id) {
            // Kept as a done row: the panel tells what happens to its temporaries.
            job.paused = None;
        }
        self.jobs
            .keep_done(id, "forgotten — removing what it left…".to_owned());
        vec![Cmd::ForgetRestored { id, key }]
    }

    /// A sync found already in sync: its paused (restored) row of journal key `key`,
    /// if any, is forgotten as `x` would, without asking (nothing is left to do).
    pub(super) fn forget_settled(&mut self, key: String) -> Vec<Cmd> {
        let Some(id) = self
            .jobs
            .items
            .iter()
            .find(|j| j.paused.as_deref() == Some(key.as_str()))
            .map(|j| j.id)
        else {
            return Vec::new();
        };
        if let Some(job) = self.jobs.get_mut(id) {
            job.paused = None;
        }
        self.jobs.keep_done(id, SETTLING.to_owned());
        vec![Cmd::ForgetRestored { id, key }]
    }

    /// What forgetting paused job `id` removed.
    pub(super) fn paused_forgotten(
        &mut self,
        id: JobId,
        removed: usize,
        bytes: u64,
        error: Option<String>,
    ) {
        let outcome = match (removed, error) {
            (0, None) => "forgotten, it had left nothing behind".to_owned(),
            (0, Some(e)) => {
                format!("forgotten; its temporaries stay for the daily sweep ({e})")
            }
            // A chunked upload the NAS kept tells no size.
            (n, _) if bytes == 0 => format!(
                "forgotten; removed {}",
                crate::plural::count(n as u64, "temporary file", "temporary files")
            ),
            (n, _) => format!(
                "forgotten; removed {} ({})",
                crate::plural::count(n as u64, "temporary file", "temporary files"),
                humansize::format_size(bytes, humansize::BINARY)
            ),
        };
        let settled = self
            .jobs
            .get_mut(id)
            .is_some_and(|j| j.done.as_deref() == Some(SETTLING));
        let outcome = match settled {
            true => format!("already in sync; {outcome}"),
            false => outcome,
        };
        let title = self.jobs.get_mut(id).map(|j| j.title.clone());
        if self.jobs.get_mut(id).is_some_and(|j| j.done.is_some()) {
            self.jobs.keep_done(id, outcome.clone());
        }
        match title {
            Some(title) => self.set_status(format!("{title}: {outcome}"), false),
            None => self.set_status(format!("Paused job {outcome}"), false),
        }
    }
}
