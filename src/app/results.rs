//! Folding I/O results and job events into the state.

use crate::jobs::JobEvent;
use crate::names::escape;

use super::dialog::{ConflictDialog, Dialog};
use super::jobs::summary;
use super::{App, Cmd, Msg};

impl App {
    /// Returns the commands and whether anything visible changed.
    pub(super) fn on_result(&mut self, msg: Msg) -> (Vec<Cmd>, bool) {
        let mut cmds = Vec::new();
        match msg {
            Msg::StaleSwept {
                side,
                dir,
                files,
                bytes,
            } => {
                self.set_sweep_status(crate::jobs::stale::describe(&dir, files, bytes));
                if self.pane(side).cwd == dir {
                    cmds.extend(self.reload(side));
                }
            }
            Msg::ListTotal { side, req, total } => {
                if !self.pane_mut(side).expect_total(req, total) {
                    return (cmds, false);
                }
            }
            Msg::Listed {
                side,
                req,
                page,
                done,
            } => match page {
                Ok(entries) => {
                    if !self.pane_mut(side).take_page(req, entries, done) {
                        return (cmds, false);
                    }
                    if done {
                        self.warn_skipped(side);
                        let req = self.next_req();
                        let pane = self.pane_mut(side);
                        pane.space_req = req;
                        cmds.push(Cmd::Space {
                            side,
                            req,
                            vfs: pane.vfs.clone(),
                            dir: pane.cwd.clone(),
                        });
                    }
                }
                Err(e) => {
                    let dir = self
                        .pane(side)
                        .loading
                        .as_ref()
                        .map(|l| l.dir.to_string())
                        .unwrap_or_default();
                    if !self.pane_mut(side).list_failed(req) {
                        return (cmds, false);
                    }
                    self.set_status(format!("Cannot list {dir}: {}", e.user_message()), true);
                }
            },
            Msg::Space { side, req, space } => {
                let pane = self.pane_mut(side);
                if pane.space_req != req {
                    return (cmds, false);
                }
                pane.space = space;
            }
            Msg::OpDone {
                side,
                result,
                focus,
            } => match result {
                Ok(()) => {
                    let dir = self.pane(side).cwd.clone();
                    cmds.extend(self.list(side, dir.clone(), focus));
                    if self.pane(side.other()).cwd == dir {
                        cmds.extend(self.reload(side.other()));
                    }
                }
                Err(e) => {
                    // Folders made before the failure show, the cursor on the first.
                    if focus.is_some() {
                        let dir = self.pane(side).cwd.clone();
                        cmds.extend(self.list(side, dir, focus));
                    }
                    self.layers
                        .push_dialog(Dialog::error("Error", vec![e.user_message()]));
                }
            },
            Msg::JobStarted { id, kind, title } => self.jobs.started(id, kind, title),
            Msg::JobPlaces { id, places } => {
                if let Some(job) = self.jobs.get_mut(id) {
                    job.places = places;
                }
            }
            Msg::Job(ev) => cmds.extend(self.on_job_event(ev)),
            Msg::JobsRestored(jobs) => {
                let n = jobs.len();
                for job in jobs {
                    self.jobs.restored(job);
                }
                if n > 0 {
                    self.set_status(
                        format!(
                            "{} paused (restored) — Alt-J, then r resumes, x forgets",
                            crate::plural::count(n as u64, "job", "jobs")
                        ),
                        false,
                    );
                }
            }
            Msg::ViewerNoteExpired(token) => {
                if !self.viewer_note_expired(token) {
                    return (cmds, false);
                }
            }
            Msg::PausedForgotten {
                id,
                removed,
                bytes,
                error,
            } => self.paused_forgotten(id, removed, bytes, error),
            Msg::FileChunk { req, offset, data } if self.quick_view_awaits(req) => {
                self.quick_view_chunk(req, offset, data);
            }
            Msg::FileChunk { req, offset, data } => {
                let Some(v) = self.layers.viewer_mut() else {
                    return (cmds, false);
                };
                if !v.on_chunk(req, offset, data) {
                    return (cmds, false);
                }
            }
            Msg::Picture { req, result } => {
                let for_viewer = |app: &mut Self| {
                    app.layers
                        .viewer_mut()
                        .and_then(|v| v.picture.as_mut())
                        .is_some_and(|slot| slot.on_picture(req, &result))
                };
                if !self.quick_view_picture(req, &result) && !for_viewer(self) {
                    return (cmds, false);
                }
            }
            Msg::Share(m) => cmds.extend(self.on_share_msg(*m)),
            Msg::Connect(m) => cmds.extend(self.on_connect(m)),
            Msg::Search(m) => cmds.extend(self.on_search(m)),
            Msg::Sync(m) => cmds.extend(self.on_sync(m)),
            Msg::Mc(m) => cmds.extend(self.on_mc_msg(m)),
            Msg::Terminal(m) => cmds.extend(self.on_terminal_msg(m)),
            Msg::Key(_) | Msg::Mouse(_) | Msg::Resize(..) => {}
        }
        (cmds, true)
    }

    fn on_job_event(&mut self, ev: JobEvent) -> Vec<Cmd> {
        match ev {
            JobEvent::Started { id, kind, title } => {
                self.jobs.started(id, kind, escape(&title).into_owned());
                Vec::new()
            }
            JobEvent::Progress { id, progress } => {
                if let Some(j) = self.jobs.get_mut(id) {
                    j.progress = progress;
                }
                Vec::new()
            }
            JobEvent::Conflict {
                id,
                target,
                source,
                existing,
            } => {
                self.layers
                    .push_dialog(Dialog::Conflict(ConflictDialog::new(
                        id, target, source, existing,
                    )));
                Vec::new()
            }
            JobEvent::StaleRemoved {
                folder,
                names,
                bytes,
                ..
            } => {
                let text = crate::jobs::stale::describe(&folder, names.len(), bytes);
                self.set_sweep_status(text);
                Vec::new()
            }
            JobEvent::Finished { id, report } => {
                // A question for a job that is over has no answer any more.
                self.layers
                    .close_dialogs(|d| matches!(d, Dialog::Conflict(c) if c.job == id));
                let kind = self
                    .jobs
                    .get_mut(id)
                    .map(|j| j.kind)
                    .unwrap_or(crate::jobs::JobKind::Copy);
                let text = summary(kind, &report);
                // An open jobs panel stays open, the job listed as done, until the user
                // closes it.
                let finished = if self.jobs_panel_open() {
                    self.jobs.keep_done(id, text.clone())
                } else {
                    self.jobs.finish(id)
                };
                if report.failed.is_empty() {
                    self.set_status(text, false);
                } else {
                    let mut lines: Vec<String> = report
                        .failed
                        .iter()
                        .take(12)
                        .map(|f| format!("{}: {}", escape(&f.path), escape(&f.message)))
                        .collect();
                    if report.failed.len() > 12 {
                        lines.push(format!("… and {} more", report.failed.len() - 12));
                    }
                    self.set_status(text.clone(), true);
                    lines.insert(0, text);
                    let retryable = !report.retry.is_empty();
                    self.jobs.failed_with(super::jobs::FailedJob {
                        id,
                        title: finished.map(|j| j.title).unwrap_or_default(),
                        failures: report.failed.clone(),
                        retryable,
                    });
                    let mut dialog = Dialog::error(&failure_title(kind, &report), lines);
                    if let Dialog::Message { failed_job, .. } = &mut dialog {
                        *failed_job = Some(id);
                    }
                    self.layers.push_dialog(dialog);
                }
                self.reload_both()
            }
        }
    }

    /// Names the listing just finished refused (`..`, `a/b`, NUL…): said on the status
    /// line, never dropped in silence (the names come escaped and shortened).
    fn warn_skipped(&mut self, side: super::Side) {
        let pane = self.pane(side);
        let Some(log) = pane.vfs.features().skipped_names else {
            return;
        };
        let names = log.take_skipped(&pane.cwd);
        // The log ends its list with "(N more)" past the names it keeps; no refused name
        // can look like that (each holds `/`, NUL, or is `.`, `..` or empty).
        let more = names
            .last()
            .and_then(|l| l.strip_prefix('(')?.strip_suffix(" more)")?.parse().ok());
        let shown = &names[..names.len() - usize::from(more.is_some())];
        if !shown.is_empty() {
            let text = match shown.len() + more.unwrap_or(0) {
                1 => format!("1 name skipped (not usable as a file name): {}", shown[0]),
                n => format!(
                    "{n} names skipped (not usable as file names): {}",
                    shown.join("  ")
                ),
            };
            self.set_status(text, true);
        }
    }
}

/// "Copy failed" when nothing was done, else "Copy done, 1 item not": a job that moved
/// 300 files and left out one FIFO did not fail.
fn failure_title(kind: crate::jobs::JobKind, report: &crate::jobs::JobReport) -> String {
    let verb = match kind {
        crate::jobs::JobKind::Copy => "Copy",
        crate::jobs::JobKind::Move => "Move",
        crate::jobs::JobKind::Delete => "Delete",
        crate::jobs::JobKind::Sync => "Sync",
    };
    let failed = report.failed.len();
    if report.items_done == 0 {
        format!("{verb} failed")
    } else {
        let items = crate::plural::count(failed as u64, "item", "items");
        format!("{verb} done, {items} not")
    }
}
