//! Alt-C, quick cd: the active pane goes to a typed place — a path (absolute on the
//! pane's own backend, or relative to its folder; `~` is the home folder in a local
//! pane), `NAME:/path` of a configured remote, or a NAS URL. A place on another backend
//! opens through the connect use case, the same parsing as the command line and Alt-N.

use crate::vfs::VPath;

use super::dialog::{Dialog, InputPurpose};
use super::places::{Place, origin_of};
use super::problem::Problem;
use super::{App, Cmd, Side};

impl App {
    /// Alt-C: asks where to go.
    pub(super) fn ask_quick_cd(&mut self) -> Vec<Cmd> {
        self.layers.push_dialog(Dialog::input(
            "Quick cd",
            "Folder (path, NAME:/path or qnap://user@host/Share):",
            "",
            InputPurpose::QuickCd { side: self.active },
        ));
        Vec::new()
    }

    /// The typed place, opened in pane `side`.
    pub(super) fn quick_cd(&mut self, side: Side, text: &str) -> Result<Vec<Cmd>, Problem> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Vec::new());
        }
        let origin = self.nav[side.index()].origin.clone();
        if !origin_of(text).is_empty() {
            // Another backend, or this one named in full.
            return Ok(match Place::from_target(text) {
                Some(place) if place.origin == origin => self.list(side, place.path, None),
                _ => self.connect_pane(side, text),
            });
        }
        let home = std::env::var("HOME").ok().filter(|_| origin.is_empty());
        let path = match (text.strip_prefix('~'), home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                walk(&VPath::parse(&home).map_err(Problem::from)?, rest)?
            }
            _ if text.starts_with('/') => walk(&VPath::root(), text)?,
            _ => walk(&self.heading_dir(side), text)?,
        };
        Ok(self.list(side, path, None))
    }
}

/// `from` followed by the components of `rel`, `..` going up and `.` staying.
fn walk(from: &VPath, rel: &str) -> Result<VPath, Problem> {
    let mut p = from.clone();
    for comp in rel.split('/').filter(|c| !c.is_empty()) {
        p = match comp {
            "." => p,
            ".." => p.parent(),
            name => p.join(name).map_err(Problem::from)?,
        };
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_up_and_down() {
        let from = VPath::parse("/a/b").unwrap();
        assert_eq!(walk(&from, "../c/./d").unwrap().as_str(), "/a/c/d");
        assert_eq!(walk(&from, "../../..").unwrap().as_str(), "/");
    }
}
