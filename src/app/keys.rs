//! Routing keys and mouse: viewer first, then the top dialog, then the mode (filter,
//! jump, jobs panel), then the keymap.

use crossterm::event::{
    KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use tui_input::backend::crossterm::EventHandler;

use crate::keymap::Action;
use crate::viewer::ViewerKey;

use super::dialog::{Confirmed, Dialog};
use super::layout;
use super::{App, Cmd, Mode, Side};

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if self.viewer.is_some() {
            let req = self.next_req();
            let Some(v) = self.viewer.as_mut() else {
                return Vec::new();
            };
            return match v.on_key(key, req) {
                ViewerKey::Close => {
                    self.viewer = None;
                    Vec::new()
                }
                ViewerKey::Stay(cmd) => cmd.into_iter().collect(),
            };
        }
        if !self.dialogs.is_empty() {
            let help_end = self.help_max_scroll();
            let Some(top) = self.dialogs.last_mut() else {
                return Vec::new();
            };
            let outcome = top.on_key(key, help_end);
            return self.apply_outcome(outcome);
        }
        if let Some(cmds) = self.overlay_key(key) {
            return cmds;
        }
        if self.share.has_overlay() {
            return self.share_key(key);
        }
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {}
            Mode::Filter(input) => return self.filter_key(input, key),
            Mode::Jump(prefix) => {
                if let Some(cmds) = self.jump_key(prefix, key) {
                    return cmds;
                }
            }
            Mode::Jobs => return self.jobs_key(key),
        }
        self.status = None;
        match self.keymap.action(&key) {
            Some(action) => self.do_action(action),
            None if key.code == KeyCode::Esc && !self.active_pane().filter.is_empty() => {
                let pane = self.pane_mut(self.active);
                pane.filter.clear();
                pane.rebuild_view();
                Vec::new()
            }
            None => Vec::new(),
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
            _ => {
                input.handle_event(&crossterm::event::Event::Key(key));
                let pane = self.pane_mut(side);
                pane.filter = input.value().to_owned();
                pane.rebuild_view();
                self.mode = Mode::Filter(input);
            }
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

    fn jobs_key(&mut self, key: KeyEvent) -> Vec<Cmd> {
        let n = self.jobs.items.len();
        match key.code {
            KeyCode::Up => self.jobs.cursor = self.jobs.cursor.saturating_sub(1),
            KeyCode::Down => self.jobs.cursor = (self.jobs.cursor + 1).min(n.saturating_sub(1)),
            KeyCode::Delete | KeyCode::Char('c') | KeyCode::F(8) => {
                if let Some(job) = self.jobs.selected() {
                    self.dialogs.push(Dialog::Confirm {
                        title: "Cancel job".into(),
                        lines: vec![format!("Cancel \"{}\"?", job.title)],
                        action: Confirmed::CancelJob(job.id),
                        yes_focused: true,
                    });
                }
            }
            KeyCode::Esc | KeyCode::Tab => return Vec::new(),
            _ if matches!(self.keymap.action(&key), Some(Action::Jobs)) => return Vec::new(),
            _ => {}
        }
        if n > 0 {
            self.mode = Mode::Jobs;
        }
        Vec::new()
    }

    pub(super) fn on_mouse(&mut self, m: MouseEvent) -> Vec<Cmd> {
        if self.viewer.is_some()
            || !self.dialogs.is_empty()
            || self.connect.is_some()
            || self.search.is_some()
            || self.share.has_overlay()
        {
            return Vec::new();
        }
        let a = layout::areas(self.size.0, self.size.1, self.jobs.running());
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
                    self.mode = Mode::Normal;
                    let rows = layout::pane_rows(area);
                    if hit(rows) {
                        let pane = self.pane_mut(side);
                        let row = pane.scroll + (m.row - rows.y) as usize;
                        if row < pane.row_count() {
                            pane.set_cursor(row);
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
                self.mode = Mode::Jobs;
            }
        }
        Vec::new()
    }
}
