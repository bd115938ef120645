//! The status line, the function-key bar and the jobs panel.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::jobs::JobView;

use super::fit;

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

/// Columns a job's title keeps before the bar is drawn or the numbers are cut: enough
/// to tell two jobs apart.
const TITLE_MIN: usize = 16;
/// Widest progress bar (between its brackets), and the narrowest worth drawing.
const BAR_MAX: usize = 20;
const BAR_MIN: usize = 6;

/// `Copy 3 items to /x  [#####.....] 45%  1.2 MiB/2.6 MiB  1/3 files  5.1 MiB/s  ETA 0:03`
///
/// What says how the job goes (the percentage, the ETA or "reconnecting — next try in
/// 12 s (attempt 4)") is never cut: at 80 columns the bar goes first, then the bytes, the
/// file count and the rate, so the title keeps [`TITLE_MIN`] columns.
fn job_line(j: &JobView, width: usize, selected: bool, app: &App) -> Line<'static> {
    let t = &app.theme;
    let base = if selected {
        t.cursor(true)
    } else {
        Style::default()
    };
    let title_w = j.title.chars().count();
    if j.paused.is_some() {
        // A job of an earlier run: nothing moves until `r` (the panel's title names
        // the keys too, so they go first when the line is short).
        let mut state = format!("  paused (restored), {}", j.progress.current);
        let keys = "  r: resume  x: forget";
        if title_w.min(TITLE_MIN) + state.chars().count() + keys.len() <= width {
            state.push_str(keys);
        }
        let state_room = width
            .saturating_sub(title_w.min(TITLE_MIN))
            .min(state.chars().count());
        let state = fit(&state, state_room);
        let title_room = width.saturating_sub(state_room);
        return Line::from(vec![
            Span::styled(fit(&j.title, title_room), base),
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
    // While a file waits to reconnect, rate and ETA would be made up: say what happens.
    let (rate, state) = match &p.reconnecting {
        Some(r) => (String::new(), r.describe()),
        None => (format!("{}/s", size(p.rate as u64)), eta),
    };
    let mut parts = [
        format!("{:>3}%", (j.ratio() * 100.0).round() as u64),
        format!("{}/{}", size(p.bytes_done), size(p.bytes_total)),
        // With many small files the count says more than the bytes (mc shows both).
        if p.items_total > 1 {
            format!("{}/{} files", p.items_done, p.items_total)
        } else {
            String::new()
        },
        rate,
        state,
        if j.cancelling {
            "cancelling…".to_owned()
        } else {
            String::new()
        },
    ];
    let stats_of = |parts: &[String]| -> String {
        parts
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| format!(" {s}"))
            .collect()
    };
    // The bytes, the file count, then the rate give way to the title's least.
    let reserve = title_w.min(TITLE_MIN) + 1;
    for drop in [1, 2, 3] {
        if reserve + stats_of(&parts).chars().count() <= width {
            break;
        }
        parts[drop].clear();
    }
    let stats = stats_of(&parts);
    let room = width.saturating_sub(stats.chars().count());
    let bar_w = room.saturating_sub(reserve + 2).min(BAR_MAX);
    let bar = if bar_w >= BAR_MIN {
        let filled = (j.ratio() * bar_w as f64).round() as usize;
        format!("[{}{}]", "#".repeat(filled), ".".repeat(bar_w - filled))
    } else {
        String::new()
    };
    let title_room = room.saturating_sub(bar.len() + 1);
    let stats_room = width.saturating_sub(title_room + 1 + bar.len());
    Line::from(vec![
        Span::styled(fit(&j.title, title_room) + " ", base),
        Span::styled(bar, base.fg(t.jobs.gauge.0)),
        Span::styled(fit(&stats, stats_room), base),
    ])
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
        Span::styled(fit(title, title_w), base),
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
    use std::sync::Arc;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::app::jobs::RestoredJob;
    use crate::app::msg::Msg;
    use crate::app::pane::Pane;
    use crate::jobs::{JobEvent, JobKind, JobProgress, Reconnecting, RetryCause};
    use crate::keymap::Keymap;
    use crate::theme::Theme;
    use crate::vfs::local::LocalFs;
    use crate::vfs::{VPath, VfsHandle};

    use super::*;

    const TITLE: &str = "Copy \"upload\" to /Disque dur";

    fn app() -> App {
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let pane = || Pane::new(vfs.clone(), VPath::parse("/").unwrap());
        App::new(pane(), pane(), Keymap::default(), Theme::built_in_default()).0
    }

    /// The jobs panel's first row, as an 80-column terminal shows it.
    fn job_row(app: &App) -> String {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| crate::ui::draw(f, app)).unwrap();
        let buf = term.backend().buffer();
        let rows: Vec<String> = (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect())
            .collect();
        let panel = rows
            .iter()
            .position(|r| r.contains(" Jobs ("))
            .unwrap_or_else(|| panic!("no jobs panel:\n{}", rows.join("\n")));
        rows[panel + 1].clone()
    }

    fn running(progress: JobProgress) -> App {
        let mut app = app();
        app.update(Msg::JobStarted {
            id: 1,
            kind: JobKind::Copy,
            title: TITLE.into(),
        });
        app.update(Msg::Job(JobEvent::Progress { id: 1, progress }));
        app
    }

    fn halfway() -> JobProgress {
        JobProgress {
            items_done: 200,
            items_total: 202,
            bytes_done: 22 * 1024 * 1024 + 471_859,
            bytes_total: 40 * 1024 * 1024 + 471_859,
            rate: 2.36 * 1024.0 * 1024.0,
            ..JobProgress::default()
        }
    }

    #[test]
    fn at_80_columns_a_running_job_shows_its_title_and_its_whole_eta() {
        let row = job_row(&running(halfway()));
        assert!(row.ends_with("ETA 0:08│"), "{row}");
        assert!(row.contains("Copy \"upload\" to"), "{row}");
        assert!(
            row.contains(" 56% ") && row.contains("200/202 files"),
            "{row}"
        );
    }

    #[test]
    fn at_80_columns_reconnecting_says_when_the_next_try_comes() {
        let row = job_row(&running(JobProgress {
            reconnecting: Some(Reconnecting {
                next_try_in: 12,
                attempt: 4,
                cause: RetryCause::Connection,
            }),
            ..halfway()
        }));
        assert!(
            row.contains("reconnecting — next try in 12 s (attempt 4)"),
            "{row}"
        );
        assert!(row.contains("Copy \"upload\""), "{row}");
    }

    /// A server error the NAS answered is no lost connection: the row says which.
    #[test]
    fn at_80_columns_a_server_error_is_named_not_called_reconnecting() {
        let row = job_row(&running(JobProgress {
            reconnecting: Some(Reconnecting {
                next_try_in: 4,
                attempt: 3,
                cause: RetryCause::Http(500),
            }),
            ..halfway()
        }));
        assert!(
            row.contains("NAS error (HTTP 500) — next try in 4 s (attempt 3)"),
            "{row}"
        );
        assert!(!row.contains("reconnecting"), "{row}");
        assert!(row.contains("Copy \"upload\""), "{row}");
    }

    #[test]
    fn a_wide_terminal_keeps_the_bar_and_every_number() {
        let app = running(halfway());
        let mut term = Terminal::new(TestBackend::new(140, 24)).unwrap();
        term.draw(|f| crate::ui::draw(f, &app)).unwrap();
        let buf = term.backend().buffer();
        let row = (0..24)
            .map(|y| (0..140).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .find(|r| r.contains("ETA"))
            .unwrap();
        assert!(row.contains(TITLE), "{row}");
        let numbers =
            "[###########.........]  56% 22.45 MiB/40.45 MiB 200/202 files 2.36 MiB/s ETA 0:08";
        assert!(row.contains(numbers), "{row}");
    }

    #[test]
    fn at_80_columns_a_paused_job_shows_its_title_and_state() {
        let mut app = app();
        app.update(Msg::JobsRestored(vec![RestoredJob {
            key: "k".into(),
            kind: JobKind::Copy,
            title: TITLE.into(),
            done: "200 of 202 items already done".into(),
        }]));
        let row = job_row(&app);
        assert!(row.contains(TITLE), "{row}");
        assert!(
            row.contains("paused (restored), 200 of 202 items already done"),
            "{row}"
        );
    }
}
