//! The status line, the function-key bar and the jobs panel.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::jobs::JobView;

use super::{fit, fit_middle};

fn size(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

pub fn status(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let pane = app.active_pane();
    let (count, bytes) = pane.selection_summary();
    let visible = pane.row_count() - usize::from(!pane.cwd.is_root());
    let left = match (&app.status, pane.current_entry()) {
        (Some(s), _) => s.text.clone(),
        (None, Some(e)) => format!(
            "{}  {}",
            crate::names::escape(&e.name),
            crate::plural::count(visible as u64, "entry", "entries")
        ),
        (None, None) => crate::plural::count(visible as u64, "entry", "entries"),
    };
    let mut right = String::new();
    if count > 0 {
        right.push_str(&format!("{count} selected, {} │ ", size(bytes)));
    }
    let width = area.width as usize;
    if let Some(s) = pane.space {
        let space = format!("{} free of {} ", size(s.free), size(s.total));
        // A message matters more than the free space, which comes back with the pane's
        // own line: at 80 columns a message may take the whole line.
        let message_needs_it = app.status.is_some()
            && 1 + left.chars().count() + right.chars().count() + space.chars().count() > width;
        if !message_needs_it {
            right.push_str(&space);
        }
    }
    let left_w = width.saturating_sub(right.chars().count());
    let style = match &app.status {
        Some(s) if s.error => t.status_base().fg(t.status.error.0),
        _ => t.status_base(),
    };
    let line = Line::from(vec![
        Span::styled(status_text(app, &left, left_w), style),
        Span::styled(right, t.status_base()),
    ]);
    f.render_widget(Paragraph::new(line).style(t.status_base()), area);
}

pub fn fkeys(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let mut spans = Vec::new();
    for cell in super::fkey_bar::cells(&app.keymap.bar(), area.width) {
        spans.push(Span::styled(
            cell.key,
            Style::default().fg(t.fkeys.key_fg.0).bg(t.fkeys.key_bg.0),
        ));
        spans.push(Span::styled(
            cell.label,
            Style::default()
                .fg(t.fkeys.label_fg.0)
                .bg(t.fkeys.label_bg.0),
        ));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn jobs(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let focused = app.jobs_panel_open();
    let border = if focused {
        t.pane.border_active.0
    } else {
        t.pane.border.0
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(border))
        .style(Style::default().fg(t.jobs.fg.0).bg(t.jobs.bg.0))
        .title(if app.jobs.items.iter().any(|j| j.paused.is_some()) {
            " Jobs (Alt-J: select, r: resume paused, Del/x: forget paused, Del: cancel) "
        } else if app.jobs.last_failed().is_some() {
            " Jobs (Alt-J: select, Del: cancel, r: retry failed, d: details) "
        } else {
            " Jobs (Alt-J: select, Del: cancel) "
        });
    let inner = block.inner(area);
    f.render_widget(block, area);
    let first = app
        .jobs
        .cursor
        .saturating_sub(inner.height.saturating_sub(1) as usize);
    let lines: Vec<Line> = app
        .jobs
        .items
        .iter()
        .enumerate()
        .skip(first)
        .take(inner.height as usize)
        .map(|(i, j)| {
            job_line(
                j,
                inner.width as usize,
                focused && i == app.jobs.cursor,
                app,
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// `Copy 3 items to /x  [#####.....] 45%  1.2 MiB/2.6 MiB  1/3 files  5.1 MiB/s  ETA 0:03`
fn job_line(j: &JobView, width: usize, selected: bool, app: &App) -> Line<'static> {
    let t = &app.theme;
    if j.paused.is_some() {
        // A job of an earlier run: nothing moves until `r`.
        let state = format!(
            "  paused (restored), {}  r: resume  x: forget",
            j.progress.current
        );
        let title_w = width.saturating_sub(state.chars().count());
        let base = if selected {
            t.cursor(true)
        } else {
            Style::default()
        };
        return Line::from(vec![
            Span::styled(fit_middle(&j.title, title_w), base),
            Span::styled(state, base.fg(t.jobs.gauge.0)),
        ]);
    }
    if let Some(outcome) = &j.done {
        return done_line(&j.title, outcome, width, selected, app);
    }
    let p = &j.progress;
    let eta = match j.eta_secs() {
        Some(s) => format!("ETA {}:{:02}", s / 60, s % 60),
        None if p.planning => "planning…".to_owned(),
        None => String::new(),
    };
    let state = if j.cancelling { " cancelling…" } else { "" };
    // While a file waits to reconnect, rate and ETA would be made up: say what happens.
    let speed = match &p.reconnecting {
        Some(r) => r.describe(),
        None => format!("{}/s {eta}", size(p.rate as u64)),
    };
    let parts = RowParts {
        percent: format!(" {:>3}%", (j.ratio() * 100.0).round() as u64),
        bytes: format!(" {}/{}", size(p.bytes_done), size(p.bytes_total)),
        // With many small files the count says more than the bytes (mc shows both).
        files: (p.items_total > 1).then(|| format!(" {}/{} files", p.items_done, p.items_total)),
        many_files: p.items_total >= 10,
        speed: format!(" {speed}{state}"),
    };
    let title_len = j.title.chars().count();
    let (bar_w, stats) = parts.layout(width, title_len);
    let filled = (j.ratio() * bar_w as f64).round() as usize;
    let bar = format!("[{}{}]", "#".repeat(filled), ".".repeat(bar_w - filled));
    let title_w = width.saturating_sub(bar.len() + stats.chars().count() + 1);
    let base = if selected {
        t.cursor(true)
    } else {
        Style::default()
    };
    Line::from(vec![
        Span::styled(fit_middle(&j.title, title_w) + " ", base),
        Span::styled(bar, base.fg(t.jobs.gauge.0)),
        Span::styled(fit(&stats, width.saturating_sub(bar_w + 3)), base),
    ])
}

/// The figures of a running job's row.
struct RowParts {
    percent: String,
    bytes: String,
    files: Option<String>,
    /// Ten files or more: the count says more than the bytes.
    many_files: bool,
    /// Rate and ETA, or what a reconnecting file waits for; and "cancelling…".
    speed: String,
}

/// Columns the title keeps before the row gives up figures for it.
const TITLE_MIN: usize = 16;

impl RowParts {
    /// The bar's width and the figures, the richest that leave the title `TITLE_MIN`
    /// columns (or all it needs): a narrower bar first, then the less telling of bytes
    /// and file count, then both. What is said about the state (reconnecting,
    /// cancelling) is never the part that goes.
    fn layout(&self, width: usize, title_len: usize) -> (usize, String) {
        let files = self.files.as_deref().unwrap_or("");
        let kept = if self.many_files {
            files
        } else {
            self.bytes.as_str()
        };
        let both = format!("{}{}", self.bytes, files);
        let candidates = [
            (20, both.as_str()),
            (10, both.as_str()),
            (10, kept),
            (10, ""),
        ];
        let want = TITLE_MIN.min(title_len);
        let stats_of = |figures: &str| format!("{}{figures}{}", self.percent, self.speed);
        for (bar_w, figures) in candidates {
            let stats = stats_of(figures);
            if width >= bar_w + 2 + stats.chars().count() + 1 + want {
                return (bar_w, stats);
            }
        }
        (10, stats_of(""))
    }
}

/// `Copy 3 items to /x  done: Copied 3 items, 2 KiB` (a job kept in the open panel).
fn done_line(title: &str, outcome: &str, width: usize, selected: bool, app: &App) -> Line<'static> {
    let base = if selected {
        app.theme.cursor(true)
    } else {
        Style::default()
    };
    let tail = format!(" done: {outcome}");
    let title_w = width.saturating_sub(tail.chars().count());
    Line::from(vec![
        Span::styled(fit_middle(title, title_w), base),
        Span::styled(fit(&tail, width.saturating_sub(title_w)), base),
    ])
}

/// The status text in `width` columns; a message too long for them ends with the key
/// that shows it whole (the messages list) rather than being cut silently.
fn status_text(app: &App, text: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    let full = format!(" {text}");
    if full.width() <= width || app.status.is_none() {
        return fit(&full, width);
    }
    let Some(key) = app.keymap.keys(crate::keymap::Action::Messages).first() else {
        return fit(&full, width);
    };
    let hint = format!(" [{key}: all] ");
    let room = width.saturating_sub(hint.width());
    if room < 10 {
        return fit(&full, width);
    }
    format!("{}{hint}", fit(&full, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(speed: &str) -> RowParts {
        RowParts {
            percent: "  48%".into(),
            bytes: " 21.22 MiB/44.42 MiB".into(),
            files: Some(" 200/202 files".into()),
            many_files: true,
            speed: format!(" {speed}"),
        }
    }

    /// The jobs panel's row inside an 80-column terminal (78 columns).
    #[test]
    fn a_narrow_row_keeps_the_title_and_what_the_job_waits_for() {
        let title = "Copy /tmp/wk/local/batch to /Public".chars().count();
        let reconnecting = "reconnecting — next try in 4 s (attempt 7)";
        let (bar, stats) = parts(reconnecting).layout(78, title);
        assert!(stats.ends_with(reconnecting), "{stats}");
        assert!(
            78 - (bar + 2 + stats.chars().count() + 1) >= TITLE_MIN,
            "{bar} {stats}"
        );

        // Running: the bar narrows, then the bytes go before the file count.
        let (bar, stats) = parts("3.51 MiB/s ETA 0:06").layout(78, title);
        assert_eq!(bar, 10);
        assert_eq!(stats, "  48% 200/202 files 3.51 MiB/s ETA 0:06");
        // Wide: everything.
        let (bar, stats) = parts("3.51 MiB/s ETA 0:06").layout(160, title);
        assert_eq!(bar, 20);
        assert!(stats.contains("MiB/44.42 MiB 200/202 files"), "{stats}");
    }
}
