//! F3: the file viewer. A pager for text, a hex dump for binary. It holds only a window
//! of the file (`WINDOW` bytes around what is on screen) and asks for another window
//! (a [`ReadRequest`], which the app sends as its read effect and answers with
//! [`Viewer::on_chunk`]) as the user scrolls, so a 10 GB log
//! opens as fast as a 1 KB one and never sits in memory whole.

mod text;

use crossterm::event::{KeyCode, KeyEvent};

use crate::key_table::{Binding, KeyTable, ch, key};
use crate::vfs::{VPath, VfsError, VfsHandle};

/// Id of one read the viewer asked for (the app hands them out; the answer carries it).
pub type RequestId = u64;

/// A window of the file to read: the app turns it into its read effect and hands the
/// bytes back to [`Viewer::on_chunk`].
pub struct ReadRequest {
    pub req: RequestId,
    pub vfs: VfsHandle,
    pub path: VPath,
    pub offset: u64,
    pub len: usize,
}

impl std::fmt::Debug for ReadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ReadRequest(#{}, {}, @{})",
            self.req, self.path, self.offset
        )
    }
}

/// What a key does in the viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerAction {
    Close,
    LineDown,
    LineUp,
    PageDown,
    PageUp,
    Home,
    End,
    ToggleHex,
}

/// The viewer's keys (and its F1 help line).
pub const KEYS: KeyTable<ViewerAction> = KeyTable {
    title: "In viewer",
    bindings: &[
        Binding {
            keys: &[key(KeyCode::Down), key(KeyCode::Enter)],
            also: &[],
            action: ViewerAction::LineDown,
            help: Some(("Arrows/PgUp/PgDn/Home/End", "scroll")),
        },
        Binding {
            keys: &[key(KeyCode::Up)],
            also: &[],
            action: ViewerAction::LineUp,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageDown), ch(' ')],
            also: &[],
            action: ViewerAction::PageDown,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::PageUp), ch('b')],
            also: &[],
            action: ViewerAction::PageUp,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::Home), ch('g')],
            also: &[],
            action: ViewerAction::Home,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::End), ch('G')],
            also: &[],
            action: ViewerAction::End,
            help: None,
        },
        Binding {
            keys: &[key(KeyCode::F(4)), ch('h')],
            also: &[],
            action: ViewerAction::ToggleHex,
            help: Some(("F4 or h", "hex")),
        },
        Binding {
            keys: &[
                key(KeyCode::Esc),
                key(KeyCode::F(3)),
                key(KeyCode::F(10)),
                ch('q'),
            ],
            also: &[],
            action: ViewerAction::Close,
            help: Some(("Esc/q", "close")),
        },
    ],
};

/// Bytes held around the screen.
pub const WINDOW: usize = 256 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Text,
    Hex,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum After {
    /// Just show it.
    Show,
    /// Put the last screenful on screen (End in text mode).
    AlignEnd,
}

pub struct Viewer {
    pub vfs: VfsHandle,
    pub path: VPath,
    pub size: u64,
    pub mode: Mode,
    /// Byte offset of the first row shown.
    pub top: u64,
    /// Rows of text on screen (set from the layout).
    pub height: usize,
    /// Columns on screen (set from the layout, `set_width`): hex rows hold as many bytes
    /// as fit whole.
    width: usize,
    pub error: Option<String>,
    buf_offset: u64,
    buf: Vec<u8>,
    pending: Option<(RequestId, After)>,
    detected: bool,
    /// A picture shown instead of the rows (F3 on a picture); F4/h drops it for the
    /// text/hex view.
    pub picture: Option<crate::image_preview::PictureSlot>,
    /// Said on the bottom line instead of the key hint ("Alt-Z: no action here"), with
    /// the token of the timer that takes it away; any key takes it away sooner.
    pub note: Option<(u64, String)>,
}

/// What a key did to the viewer.
pub enum ViewerKey {
    Close,
    Stay(Option<ReadRequest>),
    /// Not a key of the viewer: nothing changed (the app says so on the hint line).
    Unbound,
}

impl Viewer {
    /// Opens the viewer and asks for the first window.
    pub fn open(vfs: VfsHandle, path: VPath, size: u64, req: RequestId) -> (Viewer, ReadRequest) {
        let mut v = Viewer {
            vfs,
            path,
            size,
            mode: Mode::Text,
            top: 0,
            height: 20,
            width: 80,
            error: None,
            buf_offset: 0,
            buf: Vec::new(),
            pending: None,
            detected: false,
            picture: None,
            note: None,
        };
        let cmd = v.request(req, 0, After::Show);
        (v, cmd)
    }

    pub fn title(&self) -> String {
        self.path.to_string()
    }

    fn request(&mut self, req: RequestId, offset: u64, after: After) -> ReadRequest {
        self.pending = Some((req, after));
        ReadRequest {
            req,
            vfs: self.vfs.clone(),
            path: self.path.clone(),
            offset,
            len: WINDOW,
        }
    }

    /// Whether the read answered by `req` is the one this viewer waits for.
    pub fn awaits(&self, req: RequestId) -> bool {
        self.pending.is_some_and(|(want, _)| want == req)
    }

    pub fn loading(&self) -> bool {
        self.pending.is_some()
    }

    /// Takes a window of bytes; false when it was for an older request.
    pub fn on_chunk(
        &mut self,
        req: RequestId,
        offset: u64,
        data: Result<Vec<u8>, VfsError>,
    ) -> bool {
        let Some((want, after)) = self.pending else {
            return false;
        };
        if want != req {
            return false;
        }
        self.pending = None;
        match data {
            Ok(bytes) => {
                // A file that grew or shrank since it was listed: trust what we read.
                if offset + bytes.len() as u64 > self.size || bytes.len() < WINDOW {
                    self.size = offset + bytes.len() as u64;
                }
                self.buf_offset = offset;
                self.buf = bytes;
                if !self.detected {
                    self.detected = true;
                    let head = &self.buf[..self.buf.len().min(8192)];
                    if head.contains(&0) {
                        self.mode = Mode::Hex;
                    }
                }
                if after == After::AlignEnd {
                    self.top = self.last_page_top();
                }
            }
            Err(e) => self.error = Some(e.user_message()),
        }
        true
    }

    fn buf_end(&self) -> u64 {
        self.buf_offset + self.buf.len() as u64
    }

    fn last_page_top(&self) -> u64 {
        match self.mode {
            Mode::Hex => {
                let last_row = self.size.saturating_sub(1) / self.hex_row();
                last_row.saturating_sub(self.height.saturating_sub(1) as u64) * self.hex_row()
            }
            Mode::Text => {
                let mut pos = self.size;
                for _ in 0..self.height {
                    let prev = self.prev_line(pos);
                    if prev == pos {
                        break;
                    }
                    pos = prev;
                }
                pos
            }
        }
    }

    fn window(&self) -> &[u8] {
        &self.buf
    }

    fn next_line(&self, pos: u64) -> u64 {
        match self.mode {
            Mode::Hex => (pos + self.hex_row()).min(self.last_row_start()),
            Mode::Text => text::next_line(self.window(), self.buf_offset, pos, self.size),
        }
    }

    fn prev_line(&self, pos: u64) -> u64 {
        match self.mode {
            Mode::Hex => pos.saturating_sub(self.hex_row()),
            Mode::Text => text::prev_line(self.window(), self.buf_offset, pos),
        }
    }

    fn last_row_start(&self) -> u64 {
        self.size.saturating_sub(1) / self.hex_row() * self.hex_row()
    }

    /// Bytes per hex row at the current width.
    fn hex_row(&self) -> u64 {
        text::hex_layout_for(self.width).per_row as u64
    }

    /// The columns the viewer has; a hex view keeps its top row aligned to the new
    /// row length.
    pub fn set_width(&mut self, width: usize) {
        self.width = width;
        if self.mode == Mode::Hex {
            self.top = self.top / self.hex_row() * self.hex_row();
        }
    }

    /// Scrolls by `rows` (negative: up) and asks for a new window when the screen gets
    /// near the edge of the one held.
    pub fn scroll(&mut self, rows: isize, req: RequestId) -> Option<ReadRequest> {
        for _ in 0..rows.unsigned_abs() {
            let next = if rows > 0 {
                self.next_line(self.top)
            } else {
                self.prev_line(self.top)
            };
            if next == self.top {
                break;
            }
            self.top = next;
        }
        self.refill(req)
    }

    fn refill(&mut self, req: RequestId) -> Option<ReadRequest> {
        if self.pending.is_some() {
            return None;
        }
        let margin = (WINDOW / 4) as u64;
        let near_start = self.buf_offset > 0 && self.top < self.buf_offset + margin;
        let near_end = self.buf_end() < self.size && self.top + margin > self.buf_end();
        let outside = self.top < self.buf_offset || self.top > self.buf_end();
        (near_start || near_end || outside).then(|| {
            let start = self.top.saturating_sub((WINDOW / 2) as u64);
            self.request(req, start, After::Show)
        })
    }

    pub fn home(&mut self, req: RequestId) -> Option<ReadRequest> {
        self.top = 0;
        self.refill(req)
    }

    pub fn end(&mut self, req: RequestId) -> Option<ReadRequest> {
        if self.buf_end() >= self.size && self.buf_offset == 0
            || self.mode == Mode::Hex && self.buf_end() >= self.size
        {
            self.top = self.last_page_top();
            return self.refill(req);
        }
        let start = self.size.saturating_sub(WINDOW as u64);
        Some(self.request(req, start, After::AlignEnd))
    }

    pub fn toggle_mode(&mut self) {
        self.mode = match self.mode {
            Mode::Text => Mode::Hex,
            Mode::Hex => Mode::Text,
        };
        if self.mode == Mode::Hex {
            self.top = self.top / self.hex_row() * self.hex_row();
        } else {
            // Back to a line start at or before the hex row.
            self.top = text::line_start_at(self.window(), self.buf_offset, self.top);
        }
    }

    /// Handles a key; `req` is a fresh request id in case a read is needed.
    pub fn on_key(&mut self, key: KeyEvent, req: RequestId) -> ViewerKey {
        let page = self.height.max(1) as isize - 1;
        self.note = None;
        let Some(action) = KEYS.action(&key, None) else {
            return ViewerKey::Unbound;
        };
        let read = match action {
            ViewerAction::Close => return ViewerKey::Close,
            ViewerAction::LineDown => self.scroll(1, req),
            ViewerAction::LineUp => self.scroll(-1, req),
            ViewerAction::PageDown => self.scroll(page.max(1), req),
            ViewerAction::PageUp => self.scroll(-page.max(1), req),
            ViewerAction::Home => self.home(req),
            ViewerAction::End => self.end(req),
            ViewerAction::ToggleHex if self.picture.is_some() => {
                self.picture = None;
                None
            }
            ViewerAction::ToggleHex => {
                self.toggle_mode();
                self.refill(req)
            }
        };
        ViewerKey::Stay(read)
    }

    /// The rows to show (at most `self.height`), already safe for the terminal.
    pub fn rows(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(self.height);
        let mut pos = self.top;
        if pos < self.buf_offset || pos > self.buf_end() {
            return out;
        }
        for _ in 0..self.height {
            if pos >= self.size || pos >= self.buf_end() {
                break;
            }
            let next = self.next_line(pos);
            let next = if next <= pos {
                self.buf_end().min(self.size)
            } else {
                next
            };
            let lo = (pos - self.buf_offset) as usize;
            let hi = ((next - self.buf_offset) as usize).min(self.buf.len());
            let bytes = &self.buf[lo..hi];
            out.push(match self.mode {
                Mode::Hex => text::hex_row(pos, bytes, text::hex_layout_for(self.width)),
                Mode::Text => text::display_line(bytes),
            });
            if next <= pos {
                break;
            }
            pos = next;
        }
        out
    }

    /// Percentage of the file above the bottom of the screen, for the title bar.
    pub fn percent(&self) -> u64 {
        (self.top * 100)
            .checked_div(self.size)
            .map_or(100, |p| p.min(100))
    }
}

#[cfg(test)]
mod tests;
