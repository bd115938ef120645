//! What the Sync dialog does to the app (`sync_dialog.rs` holds its state): opening it
//! over the two panes' folders, its keys in each step, the plan arriving, and Run.

use crossterm::event::{KeyCode, KeyEvent};

use crate::names::escape;
use crate::services::sync::{CompareOptions, Direction, Ends, Filter, SyncJobs};

use super::layers::{KeyAnswer, Layer, LayerKind};
use super::sync_dialog::{
    Field, OPTIONS_KEYS, OptionsKey, PREVIEW_KEYS, Preview, PreviewKey, SyncCmd, SyncDialog,
    SyncMsg, SyncOptions, SyncStep, globs,
};
use super::text_field::{TextKey, text_key};
use super::{App, Cmd, Status};

/// Modification times this close count as equal (NAS times are whole seconds).
const TOLERANCE_SECS: i64 = 2;

impl App {
    /// Ctrl-X s: the Sync dialog between the active pane's folder (A) and the other's.
    pub(super) fn open_sync_dialog(&mut self) {
        let (a, b) = (self.active_pane(), self.pane(self.active.other()));
        let same_backend = std::sync::Arc::ptr_eq(&a.vfs, &b.vfs) || a.vfs.label() == b.vfs.label();
        if same_backend && (a.cwd.starts_with(&b.cwd) || b.cwd.starts_with(&a.cwd)) {
            self.set_status(
                "Sync: the two panels show the same or nested folders — open another folder in one",
                true,
            );
            return;
        }
        let label = |p: &super::Pane| format!("{}:{}", escape(&p.label), escape(p.cwd.as_str()));
        let dialog = SyncDialog {
            a_side: self.active,
            ends: Ends {
                a: (a.vfs.clone(), a.cwd.clone()),
                b: (b.vfs.clone(), b.cwd.clone()),
            },
            a_label: label(a),
            b_label: label(b),
            checksum_offered: a.vfs.features().checksums.is_some()
                && b.vfs.features().checksums.is_some(),
            step: SyncStep::Options(SyncOptions::default()),
        };
        self.layers.push(Layer::Sync(Box::new(dialog)));
    }

    /// Rows of actions the preview shows on this screen.
    pub fn sync_rows(&self) -> usize {
        // The box (rows + 8 lines) leaves the screen's top and bottom lines.
        (self.size.1 as usize).saturating_sub(10).max(3)
    }

    pub(super) fn sync_key(&mut self, key: KeyEvent) -> KeyAnswer {
        let rows = self.sync_rows() as isize;
        let req = self.next_req();
        let Some(dialog) = self.layers.sync_mut() else {
            return KeyAnswer::Pass;
        };
        match &mut dialog.step {
            SyncStep::Options(o) => {
                let offered = dialog.checksum_offered;
                let action = OPTIONS_KEYS.action(&key, None);
                match (action, o.focus) {
                    (Some(OptionsKey::Cancel), _) => return KeyAnswer::Close(Vec::new()),
                    (Some(OptionsKey::Plan), _) => {
                        let filter = match Filter::new(&globs(&o.exclude), &globs(&o.include)) {
                            Ok(f) => f,
                            Err(e) => {
                                o.error = Some(e.to_string());
                                return KeyAnswer::Consumed(Vec::new());
                            }
                        };
                        let cmd = SyncCmd::Plan {
                            req,
                            ends: dialog.ends.clone(),
                            direction: o.direction,
                            delete: o.delete,
                            opts: CompareOptions {
                                tolerance_secs: TOLERANCE_SECS,
                                checksum: o.checksum && offered,
                                filter,
                                ..CompareOptions::default()
                            },
                        };
                        dialog.step = SyncStep::Planning { req, listed: 0 };
                        self.planning_status(0);
                        return KeyAnswer::Consumed(vec![Cmd::Sync(Box::new(cmd))]);
                    }
                    (Some(OptionsKey::NextField), _) => o.focus = o.focus.step(true),
                    (Some(OptionsKey::PreviousField), _) => o.focus = o.focus.step(false),
                    // Every other key is the glob field's, as in every text field.
                    (_, Field::Include | Field::Exclude) => {
                        let input = if o.focus == Field::Include {
                            &mut o.include
                        } else {
                            &mut o.exclude
                        };
                        match text_key(input, key) {
                            TextKey::Edited => o.error = None,
                            TextKey::Unbound => return KeyAnswer::Unbound,
                        }
                    }
                    (Some(OptionsKey::Back), Field::Direction) => o.cycle_direction(false),
                    (Some(OptionsKey::Forward | OptionsKey::Toggle), Field::Direction) => {
                        o.cycle_direction(true)
                    }
                    (Some(OptionsKey::Toggle), Field::Delete) => {
                        if o.direction != Direction::Both {
                            o.delete = !o.delete;
                        }
                    }
                    (
                        Some(OptionsKey::Toggle | OptionsKey::Back | OptionsKey::Forward),
                        Field::Compare,
                    ) => {
                        if offered {
                            o.checksum = !o.checksum;
                        }
                    }
                    _ => return KeyAnswer::Unbound,
                }
                KeyAnswer::Consumed(Vec::new())
            }
            SyncStep::Planning { .. } => match key.code {
                KeyCode::Esc => {
                    self.set_status("Sync: comparing stopped", false);
                    KeyAnswer::Close(vec![Cmd::Sync(Box::new(SyncCmd::Cancel))])
                }
                _ => KeyAnswer::Unbound,
            },
            SyncStep::Preview(p) => {
                match PREVIEW_KEYS.action(&key, None) {
                    Some(PreviewKey::Up) => p.move_cursor(-1),
                    Some(PreviewKey::Down) => p.move_cursor(1),
                    Some(PreviewKey::PageUp) => p.move_cursor(-rows),
                    Some(PreviewKey::PageDown) => p.move_cursor(rows),
                    Some(PreviewKey::Home) => p.cursor = 0,
                    Some(PreviewKey::End) => p.move_cursor(isize::MAX),
                    Some(PreviewKey::Toggle) => p.toggle(),
                    Some(PreviewKey::ToggleDown) => {
                        p.toggle();
                        p.move_cursor(1);
                    }
                    Some(k @ (PreviewKey::All | PreviewKey::None)) => {
                        for (t, a) in p.ticks.iter_mut().zip(&p.plan.actions) {
                            *t = k == PreviewKey::All
                                && a.kind != crate::services::sync::ActionKind::Conflict;
                        }
                    }
                    Some(PreviewKey::Cancel) => {
                        self.set_status("Sync cancelled: nothing moved", false);
                        return KeyAnswer::Close(Vec::new());
                    }
                    Some(PreviewKey::Run) => {
                        let plan = p.ticked();
                        if plan.in_sync() {
                            self.set_status("Sync: nothing ticked — nothing to run", true);
                            return KeyAnswer::Consumed(Vec::new());
                        }
                        let ends = dialog.ends.clone();
                        let title = SyncJobs::title(&plan, &ends);
                        self.set_status(format!("Started: {title}"), false);
                        let cmd = SyncCmd::Run { plan, ends, title };
                        return KeyAnswer::Close(vec![Cmd::Sync(Box::new(cmd))]);
                    }
                    None => return KeyAnswer::Unbound,
                }
                KeyAnswer::Consumed(Vec::new())
            }
        }
    }

    /// "Sync: comparing… 1 234 entries listed (Esc stops)" — not kept in the messages
    /// list (it changes a few times a second).
    fn planning_status(&mut self, listed: u64) {
        self.status = Some(Status {
            text: format!("Sync: comparing… {listed} entries listed (Esc stops)"),
            error: false,
        });
    }

    pub(super) fn on_sync(&mut self, msg: SyncMsg) -> Vec<Cmd> {
        let mut cmds = Vec::new();
        let planning = match self.layers.sync().map(|d| &d.step) {
            Some(SyncStep::Planning { req, .. }) => Some(*req),
            _ => None,
        };
        match msg {
            SyncMsg::Progress { req, listed } if planning == Some(req) => {
                if let Some(d) = self.layers.sync_mut() {
                    d.step = SyncStep::Planning { req, listed };
                }
                self.planning_status(listed);
            }
            SyncMsg::Planned { req, result } if planning == Some(req) => match result {
                Err(e) => {
                    self.layers.close(LayerKind::Sync);
                    self.set_status(format!("Sync: {}", e.user_message()), true);
                }
                Ok(plan) if plan.in_sync() => {
                    let ends = self.layers.sync().map(|d| d.ends.clone());
                    self.layers.close(LayerKind::Sync);
                    // A paused entry an earlier run of this sync left is done now.
                    let settled = ends.map(|ends| SyncCmd::InSync {
                        ends,
                        direction: plan.direction,
                        delete: plan.delete,
                    });
                    cmds.extend(settled.map(|c| Cmd::Sync(Box::new(c))));
                    let conflicts = plan.totals().conflict;
                    if conflicts == 0 {
                        self.set_status("Already in sync", false);
                    } else {
                        self.set_status(
                            format!(
                                "Already in sync, but {} left alone",
                                crate::plural::count(conflicts, "conflict", "conflicts")
                            ),
                            false,
                        );
                    }
                }
                Ok(plan) => {
                    self.status = None;
                    if let Some(d) = self.layers.sync_mut() {
                        d.step = SyncStep::Preview(Preview::new(plan));
                    }
                }
            },
            SyncMsg::RunFailed(e) => {
                self.set_status(format!("Sync: {}", e.user_message()), true);
            }
            SyncMsg::Settled(keys) => {
                for key in keys {
                    cmds.extend(self.forget_settled(key));
                }
            }
            _ => {}
        }
        cmds
    }
}
