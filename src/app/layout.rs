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

/// The F1 help's rows at text width `w`: each description wrapped at word boundaries
/// beside its key, its later rows indented under the description column (a key with a
/// long description reads as one block, as in `mc`'s help).
pub fn help_rows(lines: &[(String, String)], w: usize) -> Vec<(String, String)> {
    let desc_w = w.saturating_sub(HELP_KEY_WIDTH).max(12);
    let mut rows = Vec::with_capacity(lines.len());
    for (key, desc) in lines {
        let mut parts = textwrap::wrap(desc, desc_w).into_iter();
        let first = parts.next().map(|p| p.into_owned()).unwrap_or_default();
        rows.push((key.clone(), first));
        rows.extend(parts.map(|p| (String::new(), p.into_owned())));
    }
    rows
}

/// How far the help scrolls (in rows): its last row then sits at the bottom of the box.
pub fn help_max_scroll(rows: usize, width: u16, height: u16) -> usize {
    rows.saturating_sub(help_text_area(width, height).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_scroll_counts_rows() {
        // 30×10 screen: text 24 wide, 4 rows.
        assert_eq!(help_text_area(30, 10), (24, 4));
        assert_eq!(help_max_scroll(5, 30, 10), 1);
        assert_eq!(help_max_scroll(2, 30, 10), 0);
    }

    #[test]
    fn a_long_description_wraps_under_itself() {
        let lines = vec![
            (
                "F8, Del".to_owned(),
                "Delete the selection (asks first)".to_owned(),
            ),
            ("F10".to_owned(), "Quit".to_owned()),
        ];
        // 22 columns of keys leave 18 for the descriptions.
        let rows = help_rows(&lines, 40);
        let want = [
            ("F8, Del", "Delete the"),
            ("", "selection (asks"),
            ("", "first)"),
            ("F10", "Quit"),
        ];
        let got: Vec<(&str, &str)> = rows.iter().map(|(k, d)| (k.as_str(), d.as_str())).collect();
        assert_eq!(got, want);
    }
}
