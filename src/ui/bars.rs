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
    // While a folder whose size the NAS told loads: how far it is, not a count that
    // looks final.
    let entries = match pane.loading_progress() {
        Some((arrived, total)) => format!("{arrived} of {total} entries…"),
        None => crate::plural::count(visible as u64, "entry", "entries"),
    };
    let left = match (&app.status, pane.current_entry()) {
        (Some(s), _) => s.text.clone(),
        (None, Some(e)) => format!("{}  {entries}", crate::names::escape(&e.name)),
        (None, None) => entries,
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
        // The title tells whether the panel has the keys: a Del meant for a job must
        // not be typed while the pane has them (there it deletes files).
        .title(if !focused {
            " Jobs (Alt-J: select) "
        } else if app.jobs.items.iter().any(|j| j.paused.is_some()) {
            " Jobs: r resume, Del cancel or forget a paused job, Esc back to the panes "
        } else if app.jobs.last_failed().is_some() {
            " Jobs: Del cancel, r retry failed, d details, Esc back to the panes "
        } else {
            " Jobs: Del cancel, Esc back to the panes "
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
    // Every number keeps one width from tick to tick ("9.95 MiB/s", "10.1 MiB/s"), so
    // the row's layout (which numbers fit, whether the bar does) does not flip while
    // they change.
    let eta = match j.eta_secs() {
        Some(s) => format!("{:>9}", eta_text(s)),
        None if p.planning => "planning…".to_owned(),
        None => String::new(),
    };
    // While a file waits to reconnect, rate and ETA would be made up: say what happens.
    // Nor while the NAS finishes a file whose bytes are all sent.
    let (rate, state) = match &p.reconnecting {
        Some(r) => (String::new(), stable_state(r)),
        None if p.finishing => (String::new(), crate::jobs::FINISHING.to_owned()),
        None => (format!("{}/s", fixed_size(p.rate as u64)), eta),
    };
    let digits = p.items_total.to_string().len();
    let mut parts = [
        format!("{:>3}%", (j.ratio() * 100.0).round() as u64),
        format!("{}/{}", fixed_size(p.bytes_done), fixed_size(p.bytes_total)),
        // With many small files the count says more than the bytes (mc shows both).
        if p.items_total > 1 {
            format!("{:>digits$}/{} files", p.items_done, p.items_total)
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

/// "ETA 0:08", "ETA 12:34", "ETA 1:02:03".
fn eta_text(secs: u64) -> String {
    match secs {
        0..3600 => format!("ETA {}:{:02}", secs / 60, secs % 60),
        _ => format!("ETA {}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60),
    }
}

/// "reconnecting — next try in 9 s (attempt 4)", padded to the width it has with a
/// two-digit countdown and attempt, so the count going from 10 to 9 moves nothing.
fn stable_state(r: &crate::jobs::Reconnecting) -> String {
    let widest = crate::jobs::Reconnecting {
        next_try_in: r.next_try_in.max(10),
        attempt: r.attempt.max(10),
        cause: r.cause,
    };
    let width = widest.describe().chars().count();
    format!("{:<width$}", r.describe())
}

/// A size in exactly 8 columns, three significant digits: "  1023 B", "9.95 MiB",
/// "10.1 MiB", " 512 KiB" (humansize's "9.9 MiB" / "10.12 MiB" change width as they
/// count).
fn fixed_size(n: u64) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if n < 1024 {
        return format!("{:>8}", format!("{n} B"));
    }
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    let num = if v < 9.995 {
        format!("{v:.2}")
    } else if v < 99.95 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    };
    format!("{num:>4} {}", UNITS[unit])
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
            .position(|r| r.contains(" Jobs (") || r.contains(" Jobs: "))
            .unwrap_or_else(|| panic!("no jobs panel:\n{}", rows.join("\n")));
        rows[panel + 1].clone()
    }

    /// The whole screen, as an 80-column terminal shows it.
    fn screen_of(app: &App) -> String {
        let mut term = Terminal::new(TestBackend::new(80, 24)).unwrap();
        term.draw(|f| crate::ui::draw(f, app)).unwrap();
        let buf = term.backend().buffer();
        (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_jobs_title_says_whether_the_panel_has_the_keys() {
        let mut app = running(JobProgress::default());
        let s = screen_of(&app);
        assert!(s.contains(" Jobs (Alt-J: select) "), "{s}");
        assert!(!s.contains("Del cancel"), "{s}");
        app.update(Msg::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('j'),
            crossterm::event::KeyModifiers::ALT,
        )));
        let s = screen_of(&app);
        assert!(
            s.contains(" Jobs: Del cancel, Esc back to the panes "),
            "{s}"
        );
        assert!(!s.contains("Alt-J: select"), "{s}");
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

    /// Every byte of an upload is sent and the NAS still writes: the row says so
    /// instead of a frozen 100 % with a rate that falls.
    #[test]
    fn at_80_columns_an_upload_the_nas_finishes_says_so() {
        let row = job_row(&running(JobProgress {
            bytes_done: 15 << 20,
            bytes_total: 15 << 20,
            rate: 1024.0,
            finishing: true,
            ..halfway()
        }));
        assert!(row.contains("100%"), "{row}");
        assert!(row.contains("finishing on the NAS…"), "{row}");
        assert!(!row.contains("/s") && !row.contains("ETA"), "{row}");
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
            "[###########.........]  56% 22.4 MiB/40.4 MiB 200/202 files 2.36 MiB/s  ETA 0:08";
        assert!(row.contains(numbers), "{row}");
    }

    /// At 80 columns the row keeps its layout while the numbers tick ("9.9 MiB/s" →
    /// "10.1 MiB/s", 999 KiB → 1 MiB): the bar neither appears nor disappears, the
    /// percentage stays in its column, whatever the title's length.
    #[test]
    fn at_80_columns_the_layout_does_not_flip_as_the_numbers_change() {
        const MIB: f64 = 1024.0 * 1024.0;
        for title_len in 10..=70 {
            let title: String = "Copy big.iso to /Public/"
                .chars()
                .chain(std::iter::repeat('x'))
                .take(title_len)
                .collect();
            let mut layouts = std::collections::BTreeSet::new();
            for (done, rate) in [
                (1000 * 1024, 9.9 * MIB),
                (1024 * 1024, 10.1 * MIB),
                (9 * 1024 * 1024 + 512 * 1024, 99.0 * MIB),
                (12 * 1024 * 1024 + 700 * 1024, 100.5 * MIB),
                (12 * 1024 * 1024, 512.0 * 1024.0),
                (13 * 1024 * 1024 + 1, 10_000.0),
            ] {
                let mut app = app();
                app.update(Msg::JobStarted {
                    id: 1,
                    kind: JobKind::Copy,
                    title: title.clone(),
                });
                app.update(Msg::Job(JobEvent::Progress {
                    id: 1,
                    progress: JobProgress {
                        items_done: 3,
                        items_total: 12,
                        bytes_done: done,
                        bytes_total: 20 * 1024 * 1024,
                        rate,
                        ..JobProgress::default()
                    },
                }));
                let row = job_row(&app);
                let percent = row.find('%').map(|i| row[..i].chars().count());
                layouts.insert((row.contains('['), percent));
            }
            assert_eq!(layouts.len(), 1, "title of {title_len}: {layouts:?}");
        }
    }

    #[test]
    fn sizes_keep_their_width() {
        for n in [
            0,
            9,
            1023,
            1024,
            10_189,
            1_048_575,
            10 << 20,
            1 << 40,
            u64::MAX,
        ] {
            assert_eq!(fixed_size(n).chars().count(), 8, "{n}: {:?}", fixed_size(n));
        }
        assert_eq!(fixed_size(1023), "  1023 B");
        assert_eq!(fixed_size(9 * 1024 * 1024 + 1024 * 1000), "9.98 MiB");
        assert_eq!(fixed_size(10_590_617), "10.1 MiB");
        assert_eq!(fixed_size(512 * 1024), " 512 KiB");
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
