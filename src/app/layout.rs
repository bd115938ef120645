//! Screen geometry, shared by drawing (`ui`) and by the app (page size, mouse hits), so
//! both always agree on where a row is.

use ratatui::layout::Rect;

/// Where everything goes on a screen of the given size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub panes: [Rect; 2],
    pub jobs: Option<Rect>,
    pub status: Rect,
    pub fkeys: Rect,
}

/// Most jobs rows shown at once.
const MAX_JOB_ROWS: u16 = 4;

pub fn areas(width: u16, height: u16, jobs: usize) -> Areas {
    let job_rows = (jobs as u16).min(MAX_JOB_ROWS);
    let jobs_h = if job_rows > 0 { job_rows + 2 } else { 0 };
    let bottom = 2u16.min(height);
    let panes_h = height.saturating_sub(bottom + jobs_h);
    let left_w = width / 2;
    let panes = [
        Rect::new(0, 0, left_w, panes_h),
        Rect::new(left_w, 0, width - left_w, panes_h),
    ];
    let jobs =
        (jobs_h > 0 && height > bottom + jobs_h).then(|| Rect::new(0, panes_h, width, jobs_h));
    let status = Rect::new(0, height.saturating_sub(2), width, height.min(1));
    let fkeys = Rect::new(0, height.saturating_sub(1), width, height.min(1));
    Areas {
        panes,
        jobs,
        status,
        fkeys,
    }
}

/// The rows area inside a pane: within the border, below the column header.
pub fn pane_rows(pane: Rect) -> Rect {
    Rect::new(
        pane.x + 1,
        pane.y + 2,
        pane.width.saturating_sub(2),
        pane.height.saturating_sub(3),
    )
}

/// A rect of `w`×`h` centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// Width of the key column in the F1 help.
pub const HELP_KEY_WIDTH: usize = 22;

/// The F1 help box on a `width`×`height` screen: its text width and text rows.
pub fn help_text_area(width: u16, height: u16) -> (usize, usize) {
    let w = width.saturating_sub(4).min(100).saturating_sub(2);
    let h = height.saturating_sub(4).saturating_sub(2);
    (usize::from(w), usize::from(h))
}

/// How far the help can scroll: the first line from which the rest still fills the
/// box (lines wider than the box wrap onto several rows). `widths` are the lines'
/// display widths.
pub fn help_max_scroll(widths: &[usize], width: u16, height: u16) -> usize {
    let (w, rows) = help_text_area(width, height);
    let mut used = 0;
    for (i, line) in widths.iter().enumerate().rev() {
        used += line.div_ceil(w.max(1)).max(1);
        if used > rows {
            return i + 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_scroll_counts_wrapped_rows() {
        // 30×10 screen: text 24 wide, 4 rows.
        assert_eq!(help_text_area(30, 10), (24, 4));
        // Five one-row lines: the last four fill the box.
        assert_eq!(help_max_scroll(&[10; 5], 30, 10), 1);
        // The last line takes two rows: only three lines fit.
        assert_eq!(help_max_scroll(&[10, 10, 10, 10, 30], 30, 10), 2);
        assert_eq!(help_max_scroll(&[10, 10], 30, 10), 0);
    }
}
