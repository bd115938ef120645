//! Each pane's folder history, as in mc: Alt-Y goes back, Alt-U forward, Alt-H lists
//! every folder of the pane to pick one. A visit is recorded when a pane starts listing
//! another folder (`App::list`) or opens another backend; going back or forward is not
//! a visit. A place on another backend than the pane's opens through the connect dialog.

use super::places::Place;
use super::{App, Cmd, Side};
use crate::vfs::VPath;

/// Places kept on each side of the current one.
const KEEP: usize = 100;

/// One pane's history and the backend it shows.
#[derive(Clone, Debug, Default)]
pub struct PaneNav {
    /// The pane's backend as opened (see [`Place::origin`]); empty for the local disk.
    pub origin: String,
    /// Older places, the most recent last.
    pub back: Vec<Place>,
    /// Places gone back from, the nearest last.
    pub forward: Vec<Place>,
    /// The next change of folder is a step through the history, not a visit.
    stepping: bool,
}

impl App {
    /// Where pane `side` is, or is going when a listing is on its way.
    pub(super) fn place_of(&self, side: Side) -> Place {
        Place {
            origin: self.nav[side.index()].origin.clone(),
            path: self.heading_dir(side),
        }
    }

    /// Called when pane `side` starts listing `dir` (on its own backend).
    pub(super) fn remember_visit(&mut self, side: Side, dir: &VPath) {
        let here = self.place_of(side);
        let nav = &mut self.nav[side.index()];
        if std::mem::take(&mut nav.stepping) || here.path == *dir {
            return;
        }
        visit(nav, here);
    }

    /// Called when pane `side` is about to show another backend, opened with `target`.
    pub(super) fn remember_origin(&mut self, side: Side, target: &str) {
        let here = self.place_of(side);
        let nav = &mut self.nav[side.index()];
        nav.origin = super::places::origin_of(target);
        if !std::mem::take(&mut nav.stepping) {
            visit(nav, here);
        }
        // The new backend's first listing is the arrival, not another visit.
        nav.stepping = true;
    }

    /// Alt-Y (`forward` false) / Alt-U (true).
    pub(super) fn history_step(&mut self, forward: bool) -> Vec<Cmd> {
        let side = self.active;
        let here = self.place_of(side);
        let nav = &mut self.nav[side.index()];
        let (from, to) = if forward {
            (&mut nav.forward, &mut nav.back)
        } else {
            (&mut nav.back, &mut nav.forward)
        };
        let Some(place) = from.pop() else {
            let which = if forward { "forward" } else { "back" };
            self.set_status(
                format!("No folder further {which} in this pane's history"),
                false,
            );
            return Vec::new();
        };
        to.push(here);
        nav.stepping = true;
        self.go_to_place(side, place)
    }

    /// Every folder of the active pane's history, oldest first, and the index of the
    /// current one.
    pub(super) fn history_places(&self) -> (Vec<Place>, usize) {
        let side = self.active;
        let nav = &self.nav[side.index()];
        let mut all = nav.back.clone();
        let current = all.len();
        all.push(self.place_of(side));
        all.extend(nav.forward.iter().rev().cloned());
        (all, current)
    }

    /// Shows `place` in pane `side`: listed when it is on the pane's backend, opened
    /// through the connect dialog otherwise.
    pub(super) fn go_to_place(&mut self, side: Side, place: Place) -> Vec<Cmd> {
        if place.origin == self.nav[side.index()].origin {
            self.list(side, place.path, None)
        } else {
            self.connect_pane(side, &place.target())
        }
    }
}

fn visit(nav: &mut PaneNav, here: Place) {
    if nav.back.last() != Some(&here) {
        nav.back.push(here);
    }
    if nav.back.len() > KEEP {
        nav.back.remove(0);
    }
    nav.forward.clear();
}
