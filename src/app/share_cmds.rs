//! The messages between the share code of the app and the runtime: what to do
//! (`ShareCmd`), what came of it (`ShareMsg`), and how a copy is worded (`CopyWhat`).
//! Access codes and URLs stay out of their Debug output.

use std::fmt;

use crate::clipboard::CopyOutcome;
use crate::vfs::{ShareHost, ShareLink, ShareOptions, VPath, VfsHandle};

use super::ids::Side;
use super::problem::Problem;

pub use crate::services::share::CodeChoice;

/// Share-link effects.
pub enum ShareCmd {
    /// One link per path, one after the other.
    Create {
        side: Side,
        vfs: VfsHandle,
        paths: Vec<VPath>,
        expire_secs: Option<u64>,
        code: CodeChoice,
        host: Option<String>,
        /// F2 with the defaults: copy a live link made the same way instead of making
        /// another (`reusable`).
        reuse: bool,
        /// The config wants a code but this NAS is known to have none: say so again.
        codes_dropped: bool,
    },
    /// The hosts the NAS offers for link URLs (the form's choice list).
    Hosts { vfs: VfsHandle },
    List {
        req: u64,
        vfs: VfsHandle,
        /// The profile's `share_host`, put in the URLs where the NAS picks the host.
        host: Option<String>,
    },
    Update {
        vfs: VfsHandle,
        link: ShareLink,
        opts: ShareOptions,
    },
    Revoke {
        vfs: VfsHandle,
        links: Vec<ShareLink>,
        /// Every link of the NAS.
        all: bool,
    },
    /// A new link to `path` that the NAS e-mails.
    Mail {
        vfs: VfsHandle,
        path: VPath,
        mail: crate::vfs::ShareMail,
        host: Option<String>,
    },
    /// Put `text` in the clipboard (off the render path: may block up to 2 s). `what`
    /// starts the status sentence.
    Copy { text: String, what: CopyWhat },
}

impl fmt::Debug for ShareCmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareCmd::Create {
                side, paths, code, ..
            } => write!(f, "ShareCreate({side:?}, {paths:?}, code {code:?})"),
            ShareCmd::Hosts { .. } => f.write_str("ShareHosts"),
            ShareCmd::List { req, .. } => write!(f, "ShareList(#{req})"),
            ShareCmd::Update { link, .. } => write!(f, "ShareUpdate({})", link.path),
            ShareCmd::Revoke { links, .. } => write!(f, "ShareRevoke({} link(s))", links.len()),
            ShareCmd::Copy { what, .. } => write!(f, "CopyToClipboard({what:?})"),
            ShareCmd::Mail { path, mail, .. } => {
                write!(f, "ShareMail({path}, {} address(es))", mail.to.len())
            }
        }
    }
}

/// What was copied, to start the status sentence with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CopyWhat {
    /// `Link to cat.jpg` → "Link to cat.jpg copied to the system clipboard".
    Made(String),
    /// Links that existed already: `lead` "cat.jpg is already shared", `links` "the
    /// existing link (in 6 days)" → "cat.jpg is already shared: copied the existing link
    /// (in 6 days) to the system clipboard".
    Existing { lead: String, links: String },
}

impl CopyWhat {
    /// The status line once the clipboard answered.
    pub fn status(&self, outcome: &CopyOutcome) -> String {
        match (self, outcome) {
            (CopyWhat::Made(w), CopyOutcome::Unavailable { .. }) => {
                format!("{w}: {}", outcome.status_message())
            }
            (CopyWhat::Made(w), _) => format!("{w} {}", outcome.status_message()),
            (CopyWhat::Existing { lead, links }, CopyOutcome::Unavailable { .. }) => {
                format!("{lead}: {links} shown; {}", outcome.status_message())
            }
            (CopyWhat::Existing { lead, links }, _) => {
                format!("{lead}: copied {links} {}", outcome.destination())
            }
        }
    }
}

/// Results of share-link effects. Errors come as the backend gave them; the app words
/// them when it shows them.
pub enum ShareMsg {
    Created {
        side: Side,
        results: Vec<(VPath, Result<ShareLink, Problem>)>,
        /// The NAS has no access codes: the default code was left out.
        codes_dropped: bool,
        /// Ids of links that already existed and were copied instead of made again.
        reused: Vec<String>,
    },
    Hosts {
        /// `Vfs::label` of the NAS asked.
        label: String,
        result: Result<Vec<ShareHost>, Problem>,
    },
    Listed {
        req: u64,
        result: Result<Vec<ShareLink>, Problem>,
    },
    Updated {
        old: ShareLink,
        result: Result<ShareLink, Problem>,
    },
    Revoked {
        results: Vec<(ShareLink, Result<(), Problem>)>,
    },
    /// The NAS made a link and e-mailed it (or refused).
    Mailed {
        path: VPath,
        recipients: usize,
        result: Result<ShareLink, Problem>,
    },
    /// The clipboard's answer. For OSC 52 the runtime keeps the bytes (it writes them to
    /// the terminal after the next frame); the app only needs the route.
    Copied {
        text: String,
        what: CopyWhat,
        outcome: CopyOutcome,
    },
}

// Links carry access codes, and copied text may too: keep them out of Debug output.
impl fmt::Debug for ShareMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShareMsg::Created { side, results, .. } => {
                write!(f, "ShareCreated({side:?}, {} result(s))", results.len())
            }
            ShareMsg::Hosts { label, result } => write!(
                f,
                "ShareHosts({label:?}, {:?})",
                result.as_ref().map(Vec::len)
            ),
            ShareMsg::Listed { req, result } => write!(
                f,
                "ShareListed(#{req}, {:?})",
                result.as_ref().map(Vec::len)
            ),
            ShareMsg::Updated { old, result } => {
                write!(f, "ShareUpdated({}, ok={})", old.path, result.is_ok())
            }
            ShareMsg::Revoked { results } => write!(f, "ShareRevoked({})", results.len()),
            ShareMsg::Mailed {
                path,
                recipients,
                result,
            } => write!(
                f,
                "ShareMailed({path}, {recipients}, ok={})",
                result.is_ok()
            ),
            ShareMsg::Copied { what, outcome, .. } => {
                write!(f, "Copied({what:?}, {outcome:?})")
            }
        }
    }
}
