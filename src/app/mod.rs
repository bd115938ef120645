//! All UI state, changed only by [`App::update`], which returns the effects to run
//! ([`Cmd`]) and never does I/O itself. Unit tests drive it with messages and read the
//! state; the runtime feeds it keys, mouse, listings and job events.

pub mod connect;
pub mod dialog;
pub mod jobs;
pub mod layout;
pub mod msg;
pub mod pane;
mod problem;
pub mod search;
pub mod share;
mod share_cmds;
pub mod share_form;
pub mod share_panel;
pub mod sort;

mod actions;
mod keys;
mod results;
#[cfg(test)]
mod tests;

use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::vfs::VPath;
use crate::viewer::Viewer;

pub use dialog::{Confirmed, Dialog, InputPurpose, Outcome};
pub use msg::{Cmd, Msg, RequestId, Side};
pub use pane::{Pane, Row};
pub use problem::Problem;

/// What keys go to when no dialog is open.
#[derive(Clone, Debug)]
pub enum Mode {
    Normal,
    /// Typing narrows the active pane (`/`).
    Filter(tui_input::Input),
    /// Typing moves the cursor to the first name starting with the text (Ctrl-S).
    Jump(String),
    /// Keys go to the jobs panel.
    Jobs,
}

/// A line for the status bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

pub struct App {
    pub panes: [Pane; 2],
    pub active: Side,
    pub mode: Mode,
    /// Dialog layers; the last one is on top and gets the keys.
    pub dialogs: Vec<Dialog>,
    pub viewer: Option<Viewer>,
    pub jobs: jobs::JobsList,
    pub keymap: Keymap,
    pub theme: Theme,
    pub status: Option<Status>,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub quit: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// Offset for showing modification times (local time, found at start-up).
    pub time_offset: time::UtcOffset,
    /// Share links: config defaults, the share panel and its form.
    pub share: share::ShareState,
    /// A NAS being opened in a pane (password / code / registration dialogs).
    pub connect: Option<connect::ConnectState>,
    /// The search dialog or its results panel.
    pub search: Option<search::SearchState>,
    /// What Alt-N proposes (the demo Freebox under `--demo`).
    pub connect_suggestion: Option<String>,
    /// Panes to connect once the current connection ends (`nascmd nas:/a qnap://…/b`).
    pub connect_queue: Vec<(Side, String)>,
    next_req: RequestId,
}

impl App {
    /// A new app over two panes; returns the commands that list both.
    pub fn new(left: Pane, right: Pane, keymap: Keymap, theme: Theme) -> (App, Vec<Cmd>) {
        let mut app = App {
            panes: [left, right],
            active: Side::Left,
            mode: Mode::Normal,
            dialogs: Vec::new(),
            viewer: None,
            jobs: jobs::JobsList::default(),
            keymap,
            theme,
            status: None,
            size: (80, 24),
            quit: false,
            dirty: true,
            time_offset: time::UtcOffset::UTC,
            share: share::ShareState::new("7d", false),
            connect: None,
            search: None,
            connect_suggestion: None,
            connect_queue: Vec::new(),
            next_req: 1,
        };
        let mut cmds = Vec::new();
        for side in [Side::Left, Side::Right] {
            let dir = app.pane(side).cwd.clone();
            cmds.extend(app.list(side, dir, None));
        }
        (app, cmds)
    }

    pub fn pane(&self, side: Side) -> &Pane {
        &self.panes[side.index()]
    }

    pub fn pane_mut(&mut self, side: Side) -> &mut Pane {
        &mut self.panes[side.index()]
    }

    pub fn active_pane(&self) -> &Pane {
        self.pane(self.active)
    }

    fn next_req(&mut self) -> RequestId {
        self.next_req += 1;
        self.next_req
    }

    /// The one place state changes.
    pub fn update(&mut self, msg: Msg) -> Vec<Cmd> {
        let mut changed = true;
        let cmds = match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Mouse(m) => self.on_mouse(m),
            Msg::Resize(w, h) => {
                self.size = (w, h);
                Vec::new()
            }
            other => {
                let (c, ch) = self.on_result(other);
                changed = ch;
                c
            }
        };
        self.fit_to_screen();
        if changed {
            self.dirty = true;
        }
        cmds
    }

    /// Rows of entries a pane shows on the current screen.
    pub fn page_height(&self, side: Side) -> usize {
        let a = layout::areas(self.size.0, self.size.1, self.jobs.running());
        layout::pane_rows(a.panes[side.index()]).height as usize
    }

    fn fit_to_screen(&mut self) {
        for side in [Side::Left, Side::Right] {
            let h = self.page_height(side);
            self.pane_mut(side).scroll_into_view(h);
        }
        if let Some(v) = self.viewer.as_mut() {
            v.height = self.size.1.saturating_sub(2) as usize;
        }
    }

    /// Starts listing `dir` in a pane; `focus` is the name to put the cursor on.
    pub fn list(&mut self, side: Side, dir: VPath, focus: Option<String>) -> Vec<Cmd> {
        let req = self.next_req();
        let pane = self.pane_mut(side);
        pane.begin_list(req, dir.clone(), focus);
        vec![Cmd::List {
            side,
            req,
            vfs: pane.vfs.clone(),
            dir,
        }]
    }

    /// Shows another backend in a pane (a NAS once connected): the pane keeps its sort
    /// order and hidden-files setting, and `dir` is listed. Returns the `Cmd::List`.
    pub fn open_pane(&mut self, side: Side, vfs: crate::vfs::VfsHandle, dir: VPath) -> Vec<Cmd> {
        let old = self.pane(side);
        let mut pane = Pane::new(vfs, dir.clone());
        pane.sort = old.sort;
        pane.show_hidden = old.show_hidden;
        self.panes[side.index()] = pane;
        self.list(side, dir, None)
    }

    /// Re-lists a pane's folder, cursor kept on the same entry.
    pub fn reload(&mut self, side: Side) -> Vec<Cmd> {
        let pane = self.pane(side);
        let focus = pane.current().map(|r| match r {
            Row::Parent => "..".to_owned(),
            Row::Entry(e) => e.name.clone(),
        });
        let dir = pane.cwd.clone();
        self.list(side, dir, focus)
    }

    pub fn reload_both(&mut self) -> Vec<Cmd> {
        let mut cmds = self.reload(Side::Left);
        cmds.extend(self.reload(Side::Right));
        cmds
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(Status {
            text: text.into(),
            error,
        });
    }

    /// Running jobs that wait for an answer to a conflict dialog.
    pub fn jobs_waiting_for_user(&self) -> usize {
        self.jobs
            .items
            .iter()
            .filter(|j| {
                self.dialogs.iter().any(|d| {
                    matches!(d, Dialog::Conflict(c) if c.job == j.id)
                        || matches!(d, Dialog::Input { purpose: InputPurpose::ConflictRename { job, .. }, .. } if *job == j.id)
                })
            })
            .count()
    }

    /// How far the F1 help scrolls on this screen (its last line then sits at the
    /// bottom of the box).
    pub fn help_max_scroll(&self) -> usize {
        use unicode_width::UnicodeWidthStr;
        let widths: Vec<usize> = self
            .help_lines()
            .iter()
            .map(|(_, d)| layout::HELP_KEY_WIDTH + d.width())
            .collect();
        layout::help_max_scroll(&widths, self.size.0, self.size.1)
    }

    /// Every line of the F1 help: the keymap, then the keys of modes and dialogs.
    pub fn help_lines(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = self
            .keymap
            .help_lines()
            .into_iter()
            .map(|(k, d)| (k, d.to_owned()))
            .collect();
        let fixed = [
            (
                "Esc",
                "Clear the quick filter; close a dialog or the viewer",
            ),
            (
                "Mouse",
                "Click: pick a pane and row; wheel: scroll; click the key bar",
            ),
            (
                "In filter (/)",
                "Type to narrow, Enter keeps it, Esc clears it",
            ),
            (
                "In jump (Ctrl-S)",
                "Type a prefix; Ctrl-S next match; Enter opens",
            ),
            (
                "In jobs panel",
                "Up/Down pick, Del or c cancels (asks), Esc back",
            ),
            (
                "In viewer",
                "Arrows/PgUp/PgDn/Home/End scroll, F4 or h hex, Esc/q close",
            ),
            (
                "In share panel",
                "Enter/c copy URL, e change expiry/code, Del revoke, D revoke all, g go to file, Esc close",
            ),
            (
                "In share form",
                "Tab next field, Ctrl-G new access code (empty: none), Left/Right pick the link's host, Enter OK, Esc cancel",
            ),
            (
                "In search results",
                "Up/Down pick, Enter goes to the file, Esc stops the search, Esc again closes",
            ),
            (
                "In conflicts",
                "o overwrite, s skip, r rename, n newer only, a apply to all, c cancel job",
            ),
            (
                "Marks in a pane",
                "/ folder, @ symbolic link, | FIFO, socket or device (not copied), * selected",
            ),
        ];
        lines.extend(
            fixed
                .iter()
                .map(|(k, d)| ((*k).to_owned(), (*d).to_owned())),
        );
        lines
    }
}
