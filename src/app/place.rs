//! Naming where a pane's entries live, for questions that must not be answered blind
//! ("Delete 3 items" — from which folder, on which machine?).

use crate::names::{escape, shorten};

use super::pane::Pane;

/// Longest folder path a question shows (the middle of a longer one is cut).
const PATH_MAX: usize = 60;

/// `/home/u/x (local)` or `/Public/docs on qnap demo@nas:8080`: the pane's folder and
/// the machine it is on, escaped and shortened.
pub fn pane_place(pane: &Pane) -> String {
    let dir = escape(pane.cwd.as_str());
    let dir = shorten(&dir, PATH_MAX);
    if pane.label == "local" {
        format!("{dir} (local)")
    } else {
        format!("{dir} on {}", shorten(&escape(&pane.label), PATH_MAX))
    }
}
