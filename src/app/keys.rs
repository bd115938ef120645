//! Routing keys and mouse through the layer stack: the top layer first (each layer
//! answers consumed / pass down / close / unbound), then the panes' mode (filter, jump),
//! then the keymap. The jobs panel is the lowest layer: while it has the keys none falls
//! through to the panes. The mouse goes to the panes only while no modal layer is open.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};

use crate::keymap::Action;
use crate::viewer::ViewerKey;

use super::dialog::{Confirmed, Dialog, Outcome};
use super::jobs::{JOBS_KEYS, JobsAction};
use super::layers::{KeyAnswer, Layer, LayerKind};
use super::layout;
use super::search::{RESULT_KEYS, SearchStep};
use super::share_panel;
use super::text_field::{TextKey, text_key};
use super::{App, Cmd, Mode, Side};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        self.unseen.seen();
        for kind in self.layers.kinds_top_down() {
            match self.layer_key(kind, key) {
                KeyAnswer::Consumed(cmds) => return cmds,
                KeyAnswer::Close(cmds) => {
                    self.layers.close(kind);
                    return cmds;
                }
                KeyAnswer::Pass => {}
                // F1 is never "no action": where a layer has no use for it, the help
                // opens over everything (it lists every layer's keys).
                KeyAnswer::Unbound => {
                    self.unbound_key(&key);
                    return Vec::new();
                }
            }
        }
        // Shift-Tab and, while it has the keys, scrolling: the quick view's.
        if let Some(cmds) = self.quick_view_key(key) {
            return cmds;
        }
        self.pane_key(key)
    }

    /// One layer's answer to a key; each kind's own handler decides.
    fn layer_key(&mut self, kind: LayerKind, key: KeyEvent) -> KeyAnswer {
        match kind {
            LayerKind::Viewer if self.keymap.action(&key) == Some(Action::Help) => {
                // Over the viewer, which the help's band would put it under.
                self.layers
                    .push_over_all(Layer::Dialog(Dialog::Help { scroll: 0 }));
                KeyAnswer::Consumed(Vec::new())
            }
            LayerKind::Viewer => {
                let req = self.next_req();
                let Some(v) = self.layers.viewer_mut() else {
                    return KeyAnswer::Pass;
                };
                match v.on_key(key, req) {
                    ViewerKey::Close => KeyAnswer::Close(Vec::new()),
                    // The status line is hidden under the viewer: its hint line says it.
                    ViewerKey::Unbound => KeyAnswer::Consumed(self.viewer_no_action(&key, req)),
                    ViewerKey::Stay(read) => KeyAnswer::Consumed(
                        read.into_iter().map(super::actions::read_cmd).collect(),
                    ),
                }
            }
            LayerKind::Dialog => {
                let help_end = self.help_max_scroll();
                let Some(top) = self.layers.top_dialog_mut() else {
                    return KeyAnswer::Pass;
                };
                match top.on_key(key, help_end) {
                    Outcome::Unbound => KeyAnswer::Unbound,
                    outcome => KeyAnswer::Consumed(self.apply_outcome(outcome)),
                }
            }
            LayerKind::Connect => self.connect_key(key),
            LayerKind::Search if self.search_results_unbound(&key) => KeyAnswer::Unbound,
            LayerKind::Search => self.search_key(key),
            LayerKind::ShareForm => {
                let Some((at, Layer::ShareForm(mut form))) = self.layers.take(LayerKind::ShareForm)
                else {
                    return KeyAnswer::Pass;
                };
                match self.form_key(&mut form, key) {
                    // Done with (taken off the stack above): not put back.
                    KeyAnswer::Close(cmds) => KeyAnswer::Consumed(cmds),
                    answer => {
                        self.layers.restore(at, Layer::ShareForm(form));
                        answer
                    }
                }
            }
            LayerKind::Revealed | LayerKind::Qr => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::F(10) | KeyCode::Char('q')
                ) {
                    KeyAnswer::Close(Vec::new())
                } else {
                    KeyAnswer::Unbound
                }
            }
            // The panel's mail form takes every key while it is open.
            LayerKind::SharePanel
                if self
                    .layers
                    .share_panel_mut()
                    .is_none_or(|p| p.mail.is_none())
                    && share_panel::KEYS
                        .action(&key, self.keymap.action(&key))
                        .is_none() =>
            {
                KeyAnswer::Unbound
            }
            LayerKind::SharePanel => self.panel_key(key),
            LayerKind::Picker => self.picker_key(key),
            LayerKind::Menu => self.menu_key(key),
            LayerKind::Sync => self.sync_key(key),
            LayerKind::Jobs => self.jobs_key(key),
        }
    }

    /// A key the search results have no use for (while the search asks for its
    /// pattern, every key is typing).
    fn search_results_unbound(&self, key: &KeyEvent) -> bool {
        self.layers
            .search()
            .is_some_and(|s| matches!(s.step, SearchStep::Results(_)))
            && RESULT_KEYS.action(key, None).is_none()
    }

    /// The bottom of the stack: the panes, through their mode and the keymap.
    fn pane_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {}
            Mode::Filter(input) => return self.filter_key(input, key),
            Mode::Jump(prefix) => {
                if let Some(cmds) = self.jump_key(prefix, key) {
                    return cmds;
                }
            }
            Mode::Chord(first) => return self.chord_key(first, key),
        }
        self.status = None;
        if key.code == KeyCode::Esc
            && let Some(cmds) = self.cancel_edit_fetch()
        {
            return cmds;
        }
        if self.keymap.starts_chord(&key) {
            let first = crate::keymap::Key::from_event(&key);
            self.set_status(format!("{first} …"), false);
            self.mode = Mode::Chord(first);
            return Vec::new();
        }
        match self.keymap.action(&key) {
            Some(action) => self.do_action(action),
            None if key.code == KeyCode::Esc && !self.active_pane().filter.is_empty() => {
                let pane = self.pane_mut(self.active);
                pane.filter.clear();
                pane.rebuild_view();
                Vec::new()
            }
            None => {
                self.no_action(&key);
                Vec::new()
            }
        }
    }

    fn filter_key(&mut self, mut input: tui_input::Input, key: KeyEvent) -> Vec<Cmd> {
        let side = self.active;
        match key.code {
            KeyCode::Esc => {
                let pane = self.pane_mut(side);
                pane.filter.clear();
                pane.rebuild_view();
            }
            KeyCode::Enter => {}
            KeyCode::Up | KeyCode::Down | KeyCode::PageUp | KeyCode::PageDown => {
                self.mode = Mode::Filter(input);
                if let Some(a) = self.keymap.action(&key) {
                    return self.do_action(a);
                }
            }
            _ => match text_key(&mut input, key) {
                TextKey::Edited => {
                    self.status = None;
                    let pane = self.pane_mut(side);
                    pane.filter = input.value().to_owned();
                    pane.rebuild_view();
                    self.mode = Mode::Filter(input);
                }
                TextKey::Unbound => {
                    self.mode = Mode::Filter(input);
                    self.unbound_key(&key);
                }
            },
        }
        Vec::new()
    }

    /// Returns `None` when the key ends the jump and should act as usual.
    fn jump_key(&mut self, mut prefix: String, key: KeyEvent) -> Option<Vec<Cmd>> {
        let side = self.active;
        let again = matches!(self.keymap.action(&key), Some(Action::Jump));
        match key.code {
            _ if again => {
                let pane = self.pane(side);
                if let Some(row) = pane.find_prefix(&prefix, pane.cursor + 1) {
                    self.pane_mut(side).set_cursor(row);
                }
            }
            KeyCode::Char(c)
                if !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                prefix.push(c);
                let pane = self.pane(side);
                match pane.find_prefix(&prefix, pane.cursor) {
                    Some(row) => self.pane_mut(side).set_cursor(row),
                    // No such name: the key is not taken, like mc.
                    None => {
                        prefix.pop();
                    }
                }
            }
            KeyCode::Backspace => {
                prefix.pop();
            }
            KeyCode::Esc => return Some(Vec::new()),
            _ => return None,
        }
        self.mode = Mode::Jump(prefix);
        Some(Vec::new())
    }

    /// The jobs panel's keys: every key stops here (the panel closes on Esc, Tab or
    /// the jobs key, or when it has no row left), none reaches the panes.
    fn jobs_key(&mut self, key: KeyEvent) -> KeyAnswer {
        let n = self.jobs.items.len();
        match JOBS_KEYS.action(&key, self.keymap.action(&key)) {
            Some(JobsAction::Up) => self.jobs.cursor = self.jobs.cursor.saturating_sub(1),
            Some(JobsAction::Down) => {
                self.jobs.cursor = (self.jobs.cursor + 1).min(n.saturating_sub(1))
            }
            Some(JobsAction::Cancel) => {
                if let Some(job) = self.jobs.selected()
                    && let Some(key) = &job.paused
                {
                    self.layers.push(Layer::Dialog(Dialog::Confirm {
                        title: "Forget paused job".into(),
                        lines: vec![
                            format!("Forget \"{}\"?", job.title),
                            "It will not be resumed; files already copied stay.".into(),
                        ],
                        action: Confirmed::ForgetPausedJob(job.id, key.clone()),
                        yes_focused: false,
                    }));
                } else if let Some(job) = self.jobs.selected().filter(|j| j.done.is_none()) {
                    self.layers.push(Layer::Dialog(Dialog::Confirm {
                        title: "Cancel job".into(),
                        lines: vec![format!("Cancel \"{}\"?", job.title)],
                        action: Confirmed::CancelJob(job.id),
                        yes_focused: true,
                    }));
                }
            }
            Some(JobsAction::Retry) if self.jobs.selected().is_some_and(|j| j.paused.is_some()) => {
                if let Some(job) = self.jobs.selected().cloned()
                    && let Some(key) = job.paused
                {
                    self.jobs.finish(job.id);
                    let restored = super::jobs::RestoredJob {
                        key,
                        kind: job.kind,
                        title: job.title,
                        done: job.progress.current,
                    };
                    return KeyAnswer::Close(self.resume_paused(restored));
                }
            }
            Some(JobsAction::Retry) => {
                if let Some(id) = self.jobs.last_failed().map(|j| j.id) {
                    return KeyAnswer::Close(self.retry_job(id));
                }
            }
            Some(JobsAction::Details) => {
                if let Some(id) = self.jobs.last_failed().map(|j| j.id) {
                    self.show_job_details(id);
                }
            }
            Some(JobsAction::Back) => {
                self.jobs.prune_done();
                return KeyAnswer::Close(Vec::new());
            }
            None => return KeyAnswer::Unbound,
        }
        if n > 0 {
            KeyAnswer::Consumed(Vec::new())
        } else {
            KeyAnswer::Close(Vec::new())
        }
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        if self.layers.swallows_mouse() {
            return Vec::new();
        }
        let a = layout::areas(self.size.0, self.size.1, self.jobs.rows());
        let hit = |r: ratatui::layout::Rect| {
            m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
        };
        for side in [Side::Left, Side::Right] {
            let area = a.panes[side.index()];
            if !hit(area) {
                continue;
            }
            match m.kind {
                MouseEventKind::ScrollDown => self.pane_mut(side).move_cursor(3),
                MouseEventKind::ScrollUp => self.pane_mut(side).move_cursor(-3),
                MouseEventKind::Down(MouseButton::Left) => {
                    self.active = side;
                    if self.layers.close(LayerKind::Jobs).is_some() {
                        self.jobs.prune_done();
                    }
                    self.mode = Mode::Normal;
                    let rows = layout::pane_rows(area);
                    if hit(rows) {
                        let pane = self.pane_mut(side);
                        let row = pane.scroll + (m.row - rows.y) as usize;
                        if row < pane.row_count() {
                            pane.set_cursor(row);
                            if self.is_double_click(side, row) {
                                return self.do_action(Action::Open);
                            }
                        }
                    }
                }
                _ => {}
            }
            return Vec::new();
        }
        if let MouseEventKind::Down(MouseButton::Left) = m.kind {
            if hit(a.fkeys) && a.fkeys.width > 0 {
                let n = (m.column - a.fkeys.x) as u32 * 10 / a.fkeys.width as u32 + 1;
                let key = KeyEvent::new(KeyCode::F(n as u8), KeyModifiers::NONE);
                if let Some(action) = self.keymap.action(&key) {
                    return self.do_action(action);
                }
            } else if a.jobs.is_some_and(hit) {
                self.layers.push(Layer::Jobs);
            }
        }
        Vec::new()
    }
}
