//! Ctrl-Q, as in mc: the pane that is not active becomes a quick view of the entry under
//! the active pane's cursor, and follows the cursor as it moves. A file is shown through
//! the F3 viewer's own state ([`Viewer`]): one bounded window read through the pane's
//! `Vfs` (`Cmd::ReadFile`), so it works the same on a NAS pane and never reads a whole
//! file. A folder (or anything that cannot be viewed) gets a line saying so. The view
//! always sits opposite the active pane: Tab or Ctrl-U puts it on the other side, showing
//! that pane's cursor. Ctrl-Q again gives the pane back.

use crate::names::escape;
use crate::vfs::{EntryKind, VPath, VfsError, VfsHandle};
use crate::viewer::Viewer;

use super::actions::read_cmd;
use super::pane::Row;
use super::{App, Cmd, RequestId, layout};

/// The quick view's state while it is on.
pub struct QuickView {
    subject: Subject,
    /// What is drawn: the file's window, or a line about what is under the cursor.
    pub content: QuickContent,
}

pub enum QuickContent {
    File(Box<Viewer>),
    Note(String),
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
            QuickContent::Note(_) => None,
        }
    }

    /// Takes a window of the file; false when it was not this view's read.
    fn on_chunk(&mut self, req: RequestId, offset: u64, data: Result<Vec<u8>, VfsError>) -> bool {
        match &mut self.content {
            QuickContent::File(v) => v.on_chunk(req, offset, data),
            QuickContent::Note(_) => false,
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
        let cmds = if qv.subject.same(&subject) {
            Vec::new()
        } else {
            self.show_in_quick_view(subject)
        };
        let rows = self.quick_view_rows();
        if let Some(QuickView {
            content: QuickContent::File(v),
            ..
        }) = &mut self.quick_view
        {
            v.height = rows;
        }
        cmds
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
            } => {
                let req = self.next_req();
                let (mut viewer, read) = Viewer::open(vfs.clone(), path.clone(), *size, req);
                viewer.height = self.quick_view_rows();
                (QuickContent::File(Box::new(viewer)), vec![read_cmd(read)])
            }
        };
        self.quick_view = Some(QuickView { subject, content });
        cmds
    }

    /// Rows of the file the view's pane has room for (inside the border, below the line
    /// naming the file).
    fn quick_view_rows(&self) -> usize {
        let a = layout::areas(self.size.0, self.size.1, self.jobs.rows());
        let pane = a.panes[self.active.other().index()];
        usize::from(pane.height.saturating_sub(3))
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
