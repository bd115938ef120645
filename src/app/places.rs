//! A folder as the user names it: `/home/me/x` on the local disk, `nas:/Public` on a
//! configured remote, `qnap://alice@nas:8080/Public` by URL. The folder history, the
//! hotlist and quick cd keep and take places in this one form, the form the command line
//! and Alt-N parse (`remotes::target`), so going to a place on another backend is just
//! opening its text.

use crate::vfs::VPath;

/// A folder and the backend it is on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    /// What the pane's backend was opened with, the path left out: empty for the local
    /// disk, `nas:` for a profile, `qnap://alice@nas:8080` for a URL.
    pub origin: String,
    pub path: VPath,
}

impl Place {
    /// The text that opens it again (as typed to Alt-N, Alt-C or the command line).
    pub fn target(&self) -> String {
        format!("{}{}", self.origin, self.path)
    }

    /// A place from its text (as kept in the hotlist); `None` when the path part is not
    /// an absolute path.
    pub fn from_target(target: &str) -> Option<Place> {
        let target = target.trim();
        let origin = origin_of(target);
        let rest = target.get(origin.len()..)?;
        let rest = if rest.is_empty() { "/" } else { rest };
        let path = VPath::parse(rest).ok()?;
        Some(Place { origin, path })
    }
}

pub use crate::services::connect::origin_of;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_of_each_form() {
        assert_eq!(
            origin_of("qnap://alice@h:8080/Public/x"),
            "qnap://alice@h:8080"
        );
        assert_eq!(origin_of("freebox://mafreebox"), "freebox://mafreebox");
        assert_eq!(origin_of("nas:/Public"), "nas:");
        assert_eq!(origin_of("/home/me"), "");
        assert_eq!(origin_of("./a:b"), "");
        let p = Place {
            origin: "nas:".into(),
            path: VPath::parse("/Public/a").unwrap(),
        };
        assert_eq!(p.target(), "nas:/Public/a");
        assert_eq!(Place::from_target("nas:/Public/a"), Some(p));
        let url = Place::from_target("qnap://alice@h:8080").unwrap();
        assert_eq!(
            (url.origin.as_str(), url.path.as_str()),
            ("qnap://alice@h:8080", "/")
        );
        assert_eq!(Place::from_target("/x").unwrap().origin, "");
    }
}
