//! All UI state, changed only by [`App::update`], which returns the effects to run
//! ([`Cmd`]) and never does I/O itself. Unit tests drive it with messages and read the
//! state; the runtime feeds it keys, mouse, listings and job events.

pub mod connect;
pub mod dialog;
mod dir_size;
mod double_click;
pub mod history;
pub mod ids;
pub mod jobs;
pub mod layers;
pub mod layout;
pub mod messages;
pub mod msg;
pub mod pane;
mod place;
mod problem;
pub mod search;
pub mod share;
mod share_cmds;
pub mod share_form;
pub mod share_mail;
pub mod share_panel;
mod share_state;
mod share_text;
pub mod sort;
mod view;

mod actions;
pub mod choice;
mod connect_actions;
mod hotlist;
mod keys;
mod mc_actions;
pub mod mc_cmds;
pub mod menu;
mod panels;
mod paused_actions;
pub mod picker;
mod picker_actions;
pub mod places;
mod quick_cd;
pub mod quick_view;
pub mod remote_edit;
mod results;
mod search_actions;
mod share_actions;
mod share_mail_actions;
pub mod shell_edit;
mod sync_actions;
mod sync_compare;
pub mod sync_dialog;
#[cfg(test)]
mod tests;
pub mod text_field;
mod unbound;

use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::vfs::VPath;

pub use dialog::{Confirmed, Dialog, InputPurpose, Outcome};
pub use layers::{KeyAnswer, Layer, LayerKind, Layers};
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
    /// The first key of a two-key binding was pressed (Ctrl-X): the next one completes it.
    Chord(crate::keymap::Key),
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
    /// The modal layers over the panes (viewer, dialogs, connect, search, share panel
    /// and form); the top one gets the keys.
    pub layers: Layers,
    pub jobs: jobs::JobsList,
    pub keymap: Keymap,
    pub theme: Theme,
    pub status: Option<Status>,
    /// The status messages so far (Alt-M lists them).
    pub messages: messages::MessageLog,
    /// Sweep notes not yet seen, joined to the status line's next message.
    unseen: messages::Unseen,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    pub quit: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    /// Offset for showing modification times (local time, found at start-up).
    pub time_offset: time::UtcOffset,
    /// Share links: config defaults and what each NAS offers.
    pub share: share_state::ShareState,
    /// What Alt-N proposes (the demo Freebox under `--demo`).
    pub connect_suggestion: Option<String>,
    /// What failed to open last: Alt-N proposes it once, to correct (URL, user name).
    pub connect_retry: Option<String>,
    /// Panes to connect once the current connection ends (`nascmd nas:/a qnap://…/b`).
    pub connect_queue: Vec<(Side, String)>,
    /// Each pane's backend as opened and its folder history (Alt-Y/U/H).
    pub nav: [history::PaneNav; 2],
    /// The folder hotlist (Ctrl-\), as in the config file.
    pub hotlist: Vec<String>,
    /// Ctrl-Q: the pane opposite the active one shows the entry under its cursor.
    pub quick_view: Option<quick_view::QuickView>,
    /// How copies are verified (`[jobs] verify`), shown in the copy dialog.
    pub verify: crate::jobs::Verify,
    /// The Ctrl-Space size walk awaited, and what it sizes (for the status line).
    sizing: Option<(RequestId, String)>,
    /// F4 on a NAS file: the fetch in flight, the edit awaiting an answer.
    edit: remote_edit::RemoteEdit,
    /// The last press on a pane row, to tell a double click.
    last_click: Option<double_click::LastClick>,
    next_req: RequestId,
}

impl App {
    /// A new app over two panes; returns the commands that list both.
    pub fn new(left: Pane, right: Pane, keymap: Keymap, theme: Theme) -> (App, Vec<Cmd>) {
        let mut app = App {
            panes: [left, right],
            active: Side::Left,
            mode: Mode::Normal,
            layers: Layers::default(),
            jobs: jobs::JobsList::default(),
            keymap,
            theme,
            status: None,
            messages: messages::MessageLog::default(),
            unseen: messages::Unseen::default(),
            size: (80, 24),
            quit: false,
            dirty: true,
            time_offset: time::UtcOffset::UTC,
            share: share_state::ShareState::new("7d", false),
            connect_suggestion: None,
            connect_retry: None,
            connect_queue: Vec::new(),
            nav: Default::default(),
            hotlist: Vec::new(),
            quick_view: None,
            verify: crate::jobs::Verify::default(),
            sizing: None,
            edit: remote_edit::RemoteEdit::default(),
            last_click: None,
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
        let mut cmds = match msg {
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
        cmds.extend(self.follow_quick_view());
        cmds.extend(self.refit_viewer_picture());
        if changed {
            self.dirty = true;
        }
        cmds
    }

    /// Rows of entries a pane shows on the current screen.
    pub fn page_height(&self, side: Side) -> usize {
        let a = layout::areas(self.size.0, self.size.1, self.jobs.rows());
        layout::pane_rows(a.panes[side.index()]).height as usize
    }

    fn fit_to_screen(&mut self) {
        for side in [Side::Left, Side::Right] {
            let h = self.page_height(side);
            self.pane_mut(side).scroll_into_view(h);
        }
        if let Some(v) = self.layers.viewer_mut() {
            v.height = self.size.1.saturating_sub(2) as usize;
            v.set_width(usize::from(self.size.0));
        }
    }

    /// Starts listing `dir` in a pane; `focus` is the name to put the cursor on.
    pub fn list(&mut self, side: Side, dir: VPath, focus: Option<String>) -> Vec<Cmd> {
        let req = self.next_req();
        self.remember_visit(side, &dir);
        let pane = self.pane_mut(side);
        pane.begin_list(req, dir.clone(), focus);
        vec![Cmd::List {
            side,
            req,
            vfs: pane.vfs.clone(),
            dir,
            sort: pane.sort,
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
        let status = Status {
            text: text.into(),
            error,
        };
        self.messages.push(status.clone());
        self.status = Some(self.unseen.with_notes(status));
    }

    /// A sweep of stale temporaries said on the status line, with (not over) a message
    /// shown since the last key.
    fn set_sweep_status(&mut self, text: String) {
        self.messages.push(Status {
            text: text.clone(),
            error: false,
        });
        self.status = Some(self.unseen.note(self.status.as_ref(), text));
    }

    /// A status line of `short` words that fits a narrow screen, while the messages
    /// list (Alt-M) keeps the `full` text.
    pub fn set_status_brief(&mut self, short: impl Into<String>, full: impl Into<String>) {
        self.messages.push(Status {
            text: full.into(),
            error: false,
        });
        self.status = Some(Status {
            text: short.into(),
            error: false,
        });
    }

    /// The jobs panel has the keys (`Layer::Jobs`).
    pub fn jobs_panel_open(&self) -> bool {
        self.layers.is_open(LayerKind::Jobs)
    }

    /// Running jobs that wait for an answer to a conflict dialog.
    pub fn jobs_waiting_for_user(&self) -> usize {
        self.jobs
            .items
            .iter()
            .filter(|j| j.done.is_none())
            .filter(|j| {
                self.layers.dialogs().any(|d| {
                    matches!(d, Dialog::Conflict(c) if c.job == j.id)
                        || matches!(d, Dialog::Input { purpose: InputPurpose::ConflictRename { job, .. }, .. } if *job == j.id)
                })
            })
            .count()
    }

    /// How far the F1 help scrolls on this screen, in rows (its last row then sits at
    /// the bottom of the box).
    pub fn help_max_scroll(&self) -> usize {
        layout::help_max_scroll(self.help_rows().len(), self.size.0, self.size.1)
    }

    /// The F1 help as drawn on this screen: `help_lines` with each description
    /// wrapped beside its key (`layout::help_rows`).
    pub fn help_rows(&self) -> Vec<(String, String)> {
        let (w, _) = layout::help_text_area(self.size.0, self.size.1);
        layout::help_rows(&self.help_lines(), w)
    }

    /// Every line of the F1 help: the keymap, the keys of the panes' modes, then each
    /// layer's line from its own key table.
    pub fn help_lines(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = self
            .keymap
            .help_lines()
            .into_iter()
            .map(|(k, d)| (k, d.to_owned()))
            .collect();
        let owned = |(k, d): &(&str, &str)| ((*k).to_owned(), (*d).to_owned());
        lines.extend(pane::PANE_HELP.iter().map(owned));
        lines.extend([
            jobs::JOBS_KEYS.help_line(),
            crate::viewer::KEYS.help_line(),
            share_panel::KEYS.help_line(),
            share_form::KEYS.help_line(),
            search::RESULT_KEYS.help_line(),
            dialog::CONFLICT_KEYS.help_line(),
            dialog::FAILED_JOB_KEYS.help_line(),
            sync_dialog::OPTIONS_KEYS.help_line(),
            sync_dialog::PREVIEW_KEYS.help_line(),
            connect::TRUST_KEYS.help_line(),
            connect::WAITING_KEYS.help_line(),
        ]);
        lines.extend(unbound::help_lines());
        lines.push(owned(&(
            "Marks in a pane",
            "/ folder, @ symbolic link, | FIFO, socket or device (not copied), * selected",
        )));
        lines.push(owned(&(
            "Verify (F5/F6)",
            "Copies are checked by size; [jobs] verify = \"hash\" (CLI: --verify hash) also compares the sha256 where both ends compute one (Freebox, local disk). The dialog says which applies",
        )));
        lines
    }
}
