//! Small pieces the share modules (links, panel, form) all use: the words shown for a
//! shared item, the clock, and the URLs shown when no clipboard took them. Knows no `App`.

use crate::names::escape;
use crate::vfs::VPath;

/// Where to turn on what a Freebox needs for public URLs (shown when its URL is empty).
pub const FREEBOX_REMOTE_ACCESS_HINT: &str =
    "Turn on remote access in Freebox OS: Settings › Access management › Remote access.";

/// URLs shown because no clipboard took them: the user selects them by hand. (No Debug:
/// a share URL is the credential to the file.)
#[derive(Clone, PartialEq, Eq)]
pub struct RevealedUrls {
    pub reason: String,
    pub lines: Vec<String>,
}

/// A link's QR code (rows of [`crate::share_qr::half_blocks`]) and what it is of. No
/// Debug that shows it: the code is the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct QrView {
    /// "Link to cat.jpg".
    pub title: String,
    pub rows: Vec<String>,
}

impl std::fmt::Debug for QrView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QrView({})", self.title)
    }
}

/// `"cat.jpg"` for a path, `/` for the root.
pub(super) fn display_name(path: &VPath) -> String {
    if path.is_root() {
        "/".to_owned()
    } else {
        escape(path.name()).into_owned()
    }
}

/// Seconds since the epoch, for expiry texts.
pub(super) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
