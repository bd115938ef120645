//! A double click on a pane row opens it (a folder) or views it (a file), as Enter does.
//! Terminals report single presses only: two presses on the same row of the same pane
//! within `DOUBLE_CLICK` make a double click.

use std::time::{Duration, Instant};

use super::{App, Side};

/// The longest gap between the two presses of a double click (a common desktop default).
const DOUBLE_CLICK: Duration = Duration::from_millis(400);

/// The last press on a pane row.
#[derive(Clone, Copy, Debug)]
pub struct LastClick {
    side: Side,
    row: usize,
    at: Instant,
}

impl App {
    /// Records a press on `row` of pane `side`; true when it completes a double click.
    pub(super) fn is_double_click(&mut self, side: Side, row: usize) -> bool {
        let now = Instant::now();
        let double = self.last_click.is_some_and(|c| {
            c.side == side && c.row == row && now.duration_since(c.at) <= DOUBLE_CLICK
        });
        // A third press starts a new pair.
        self.last_click = (!double).then_some(LastClick { side, row, at: now });
        double
    }
}
