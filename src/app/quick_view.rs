//! Ctrl-Q, as in mc: the pane that is not active becomes a quick view of the entry under
//! the active pane's cursor, and follows the cursor as it moves. A file is shown through
//! the F3 viewer's own state ([`Viewer`]): one bounded window read through the pane's
//! `Vfs` (`Cmd::ReadFile`), so it works the same on a NAS pane and never reads a whole
//! file. A folder (or anything that cannot be viewed) gets a line saying so. The view
//! always sits opposite the active pane: Tab or Ctrl-U puts it on the other side, showing
//! that pane's cursor. Ctrl-Q again gives the pane back.
//!
//! A picture (by its name, on a backend with `Features::thumbnails`) is shown as one:
//! the runtime fetches a thumbnail and lays it out in the view's cells off the UI
//! thread (`Cmd::ShowPicture` → `Msg::Picture`, `crate::image_preview`); a view that
//! changes size asks again.
//!
//! Shift-Tab puts the keys into the view (its border is drawn in the cursor's colour):
//! arrows, PgUp/PgDn, Home/End and F4/h work as in F3; Shift-Tab or Esc gives them back
//! to the pane. (Tab keeps moving the view opposite the other pane, as in mc.)

use crate::image_preview::{PictureFailure, PictureSlot, SharedPicture};
use crate::names::escape;
use crate::thumbnail::is_image_name;
use crate::vfs::{EntryKind, VPath, VfsError, VfsHandle};
use crate::viewer::Viewer;

use crossterm::event::{KeyCode, KeyEvent};

use crate::viewer::ViewerKey;

use super::actions::read_cmd;
use super::pane::Row;
use super::{App, Cmd, RequestId, layout};

/// The key that moves the keys into the quick view and back.
pub const FOCUS_KEY: KeyCode = KeyCode::BackTab;

/// The quick view's state while it is on.
pub struct QuickView {
    subject: Subject,
    /// Keys go to the view (scrolling) instead of the pane.
    pub focused: bool,
    /// What is drawn: the file's window, or a line about what is under the cursor.
    pub content: QuickContent,
}

pub enum QuickContent {
    File(Box<Viewer>),
    Picture(PictureView),
    Note(String),
}

/// A picture in the view: asked for, shown, or why not.
pub struct PictureView {
    pub path: VPath,
    pub size: u64,
    pub slot: PictureSlot,
}

impl PictureView {
    /// Asks for the picture of `path` to fit `cells`.
    pub(super) fn ask(
        vfs: VfsHandle,
        path: VPath,
        size: u64,
        cells: (u16, u16),
        req: RequestId,
    ) -> (PictureView, Cmd) {
        let cmd = Cmd::ShowPicture {
            req,
            vfs,
            path: path.clone(),
            cells,
        };
        let view = PictureView {
            path,
            size,
            slot: PictureSlot::new(req, cells),
        };
        (view, cmd)
    }
}

/// What the view was made for, to tell when the cursor has moved to something else.
enum Subject {
    File {
        vfs: VfsHandle,
        path: VPath,
        size: u64,
        mtime: Option<i64>,
    },
    Note(String),
}

impl Subject {
    fn same(&self, other: &Subject) -> bool {
        match (self, other) {
            (
                Subject::File {
                    vfs,
                    path,
                    size,
                    mtime,
                },
                Subject::File {
                    vfs: v2,
                    path: p2,
                    size: s2,
                    mtime: m2,
                },
            ) => std::sync::Arc::ptr_eq(vfs, v2) && path == p2 && size == s2 && mtime == m2,
            (Subject::Note(a), Subject::Note(b)) => a == b,
            _ => false,
        }
    }
}

impl QuickView {
    /// The file's viewer while the view shows one.
    pub fn viewer(&self) -> Option<&Viewer> {
        match &self.content {
            QuickContent::File(v) => Some(v),
            QuickContent::Picture(_) | QuickContent::Note(_) => None,
        }
    }

    /// Takes a window of the file; false when it was not this view's read.
    fn on_chunk(&mut self, req: RequestId, offset: u64, data: Result<Vec<u8>, VfsError>) -> bool {
        match &mut self.content {
            QuickContent::File(v) => v.on_chunk(req, offset, data),
            QuickContent::Picture(_) | QuickContent::Note(_) => false,
        }
    }
}

impl App {
    /// Ctrl-Q: the other pane shows the entry under the cursor, or (again) its files.
    pub(super) fn toggle_quick_view(&mut self) -> Vec<Cmd> {
        if self.quick_view.take().is_some() {
            return Vec::new();
        }
        self.show_in_quick_view(self.quick_view_subject())
    }

    /// Called after every update: a cursor that moved (or a listing that changed what is
    /// under it) makes the view show the new entry.
    pub(super) fn follow_quick_view(&mut self) -> Vec<Cmd> {
        let Some(qv) = &self.quick_view else {
            return Vec::new();
        };
        let subject = self.quick_view_subject();
        let mut cmds = if qv.subject.same(&subject) {
            Vec::new()
        } else {
            self.show_in_quick_view(subject)
        };
        // A picture is laid out for the view's size: a resized view asks again.
        let cells = self.quick_view_cells();
        let req = self.next_req;
        if let Some(QuickView {
            content: QuickContent::Picture(p),
            subject: Subject::File { vfs, .. },
            ..
        }) = &mut self.quick_view
            && p.slot.cells != cells
        {
            let (view, cmd) = PictureView::ask(vfs.clone(), p.path.clone(), p.size, cells, req + 1);
            *p = view;
            self.next_req = req + 1;
            cmds.push(cmd);
        }
        let rows = self.quick_view_rows();
        let width = usize::from(self.quick_view_cells().0);
        if let Some(QuickView {
            content: QuickContent::File(v),
            ..
        }) = &mut self.quick_view
        {
            v.height = rows;
            v.set_width(width);
        }
        cmds
    }

    /// A key for the quick view: Shift-Tab moves the keys into it and back; while it has
    /// them, the viewer's keys scroll it. `None`: the key is not the view's.
    pub(super) fn quick_view_key(&mut self, key: KeyEvent) -> Option<Vec<Cmd>> {
        let req = self.next_req + 1;
        let qv = self.quick_view.as_mut()?;
        if key.code == FOCUS_KEY {
            qv.focused = !qv.focused;
            return Some(Vec::new());
        }
        if !qv.focused {
            return None;
        }
        if key.code == KeyCode::Esc {
            qv.focused = false;
            return Some(Vec::new());
        }
        let QuickContent::File(v) = &mut qv.content else {
            // A picture or a note has nothing to scroll; the pane's keys still work.
            return None;
        };
        match v.on_key(key, req) {
            // Esc/q/F3/F10 close F3; here they give the keys back.
            ViewerKey::Close => {
                qv.focused = false;
                Some(Vec::new())
            }
            ViewerKey::Stay(read) => {
                self.next_req = req;
                Some(read.into_iter().map(read_cmd).collect())
            }
            ViewerKey::Unbound => Some(Vec::new()),
        }
    }

    /// Takes a picture for the quick view; false when it was not the view's.
    pub(super) fn quick_view_picture(
        &mut self,
        req: RequestId,
        result: &Result<SharedPicture, PictureFailure>,
    ) -> bool {
        match &mut self.quick_view {
            Some(QuickView {
                content: QuickContent::Picture(p),
                ..
            }) => p.slot.on_picture(req, result),
            _ => false,
        }
    }

    /// Whether `req` is the read the quick view waits for.
    pub(super) fn quick_view_chunk(
        &mut self,
        req: RequestId,
        offset: u64,
        data: Result<Vec<u8>, VfsError>,
    ) -> bool {
        self.quick_view
            .as_mut()
            .is_some_and(|qv| qv.on_chunk(req, offset, data))
    }

    /// Whether a file read answered by `req` belongs to the quick view.
    pub(super) fn quick_view_awaits(&self, req: RequestId) -> bool {
        self.quick_view
            .as_ref()
            .and_then(QuickView::viewer)
            .is_some_and(|v| v.awaits(req))
    }

    fn show_in_quick_view(&mut self, subject: Subject) -> Vec<Cmd> {
        let (content, cmds) = match &subject {
            Subject::Note(text) => (QuickContent::Note(text.clone()), Vec::new()),
            Subject::File {
                vfs, path, size, ..
            } if is_image_name(path.name()) && vfs.features().thumbnails.is_some() => {
                let req = self.next_req();
                let cells = self.quick_view_cells();
                let (view, cmd) = PictureView::ask(vfs.clone(), path.clone(), *size, cells, req);
                (QuickContent::Picture(view), vec![cmd])
            }
            Subject::File {
                vfs, path, size, ..
            } => {
                let req = self.next_req();
                let (mut viewer, read) = Viewer::open(vfs.clone(), path.clone(), *size, req);
                viewer.height = self.quick_view_rows();
                viewer.set_width(usize::from(self.quick_view_cells().0));
                (QuickContent::File(Box::new(viewer)), vec![read_cmd(read)])
            }
        };
        let focused = self.quick_view.as_ref().is_some_and(|qv| qv.focused);
        self.quick_view = Some(QuickView {
            subject,
            content,
            focused,
        });
        cmds
    }

    /// Rows of the file the view's pane has room for (inside the border, below the line
    /// naming the file).
    fn quick_view_rows(&self) -> usize {
        let a = layout::areas(self.size.0, self.size.1, self.jobs.rows());
        let pane = a.panes[self.active.other().index()];
        usize::from(pane.height.saturating_sub(3))
    }

    /// Cells a picture has in the view: inside the border, below the name line.
    fn quick_view_cells(&self) -> (u16, u16) {
        let a = layout::areas(self.size.0, self.size.1, self.jobs.rows());
        let pane = a.panes[self.active.other().index()];
        (pane.width.saturating_sub(2), pane.height.saturating_sub(3))
    }

    /// What is under the active pane's cursor, as the view shows it.
    fn quick_view_subject(&self) -> Subject {
        let pane = self.active_pane();
        let e = match pane.current() {
            Some(Row::Entry(e)) => e,
            Some(Row::Parent) => return Subject::Note("The parent folder".to_owned()),
            None => return Subject::Note("Nothing under the cursor".to_owned()),
        };
        let name = escape(&e.name);
        if e.is_dir() {
            return Subject::Note(format!("{name}/ is a folder (Enter opens it)"));
        }
        if e.kind == EntryKind::Special {
            return Subject::Note(format!(
                "{name} is a special file (FIFO, socket or device): nothing to view"
            ));
        }
        match pane.cwd.join(&e.name) {
            Ok(path) => Subject::File {
                vfs: pane.vfs.clone(),
                path,
                size: e.size,
                mtime: e.mtime,
            },
            Err(_) => Subject::Note(format!("{name}: cannot be viewed")),
        }
    }
}
