//! What went wrong, as app messages carry it when the error is not (only) a backend's
//! (opening a NAS in a pane, making share links), and what the app finds wrong in what
//! the user typed (a copy target, a folder name, a pattern). The kind stays readable (a refused login
//! is not a bad target) until the app shows it; [`Problem::user_message`] is the one place
//! that words it, next to [`VfsError::user_message`] for plain backend errors.

use thiserror::Error;

use crate::services::share::ShareError;
use crate::share_format::AccessCodeError;
use crate::vfs::{VPath, VfsError};

#[derive(Debug, Clone, Error)]
pub enum Problem {
    /// A backend's error, as it came.
    #[error(transparent)]
    Backend(#[from] VfsError),
    /// Logging in to a NAS failed (refused, unreachable, 2-step code wrong).
    #[error("{}", login_words(.0))]
    Login(VfsError),
    /// The NAS refused the password (typed or found): the dialog asks again.
    #[error("{}", login_words(.0))]
    PasswordRefused(VfsError),
    /// What was typed or configured does not name a NAS that can be opened: an unknown
    /// profile, a malformed URL, a missing user name, an unreadable config or secrets
    /// store. The reason as the parser or store words it.
    #[error("{0}")]
    Target(String),
    /// No access code could be made for a share link.
    #[error(transparent)]
    AccessCode(#[from] AccessCodeError),
    /// The copy or move dialog was submitted empty.
    #[error("No target given")]
    NoTarget,
    /// The new-folder dialog was submitted empty.
    #[error("No name given")]
    NoName,
    /// A new folder's path (F7) that climbs with `..`.
    #[error("A new folder's path cannot hold \"..\": type it from this folder down (a/b)")]
    UpInNewFolder,
    /// A new folder (F7) outside the pane's folder.
    #[error("{path} is not below this folder ({folder}): F7 makes folders below it")]
    NotBelow { path: VPath, folder: VPath },
    /// A folder copied or moved into itself (or below itself).
    #[error("Cannot copy or move {0} into itself")]
    IntoItself(VPath),
    /// A copy or move onto the very item it would copy.
    #[error("{0} is already there")]
    AlreadyThere(VPath),
    /// Share links asked of a backend that has none (a local pane).
    #[error("{0} has no share links")]
    NoShareLinks(String),
    /// Something this NAS cannot do, in a sentence saying what to do instead.
    #[error("{0}")]
    NotOnThisNas(String),
    /// A selection pattern that is not a valid glob (the parser's reason).
    #[error("Bad pattern: {0}")]
    BadPattern(String),
}

impl From<ShareError> for Problem {
    fn from(e: ShareError) -> Self {
        match e {
            ShareError::Vfs(e) => Problem::Backend(e),
            ShareError::AccessCode(e) => Problem::AccessCode(e),
            ShareError::NotOffered(label) => Problem::NoShareLinks(label),
            e @ ShareError::NoMail(_) => Problem::NotOnThisNas(e.to_string()),
        }
    }
}

impl Problem {
    /// The problem as the user reads it, on a status line or in a dialog (control
    /// characters made visible: paths, URLs and NAS messages in it may hold any).
    pub fn user_message(&self) -> String {
        crate::names::escape(&self.to_string()).into_owned()
    }

    /// The backend error inside, if there is one (to tell kinds apart).
    pub fn as_vfs(&self) -> Option<&VfsError> {
        match self {
            Problem::Backend(e) | Problem::Login(e) | Problem::PasswordRefused(e) => Some(e),
            _ => None,
        }
    }
}

/// A failed login in plain words: refused credentials say so, anything else reads as the
/// backend error it is.
fn login_words(e: &VfsError) -> String {
    match e {
        VfsError::AuthFailed(why) => format!("login refused: {why}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_keeps_the_kind_and_escapes() {
        let refused = Problem::Login(VfsError::AuthFailed("wrong password".into()));
        assert_eq!(refused.user_message(), "login refused: wrong password");
        assert!(matches!(refused.as_vfs(), Some(VfsError::AuthFailed(_))));
        let down = Problem::Login(VfsError::Network("could not connect".into()));
        assert_eq!(down.user_message(), "network error: could not connect");
        assert!(down.as_vfs().is_some_and(VfsError::is_transient));
        let bad = Problem::Target("no user for x\x1b[2J".into());
        assert_eq!(bad.user_message(), "no user for x\\x1b[2J");
        assert!(bad.as_vfs().is_none());
    }
}
