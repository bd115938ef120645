//! One pane: border with the location, column header, the visible rows.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::{App, Mode, Row, Side, layout};
use crate::names::escape;
use crate::vfs::{Entry, EntryKind};

use super::{columns, fit, keep_end};

pub fn draw(f: &mut Frame, area: Rect, app: &App, side: Side) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let t = &app.theme;
    let pane = app.pane(side);
    let active = app.active == side && !app.jobs_panel_open();
    let border = if active {
        t.pane.border_active.0
    } else {
        t.pane.border.0
    };
    let location = format!(" {}:{} ", pane.label, pane.cwd);
    let title = keep_end(&location, area.width.saturating_sub(4) as usize);
    let mut bottom = format!(
        " {}{} ",
        pane.sort.key.label(),
        if pane.sort.reverse { "↓" } else { "↑" }
    );
    match pane.loading_progress() {
        Some((arrived, total)) => bottom.push_str(&format!("loading {arrived} of {total}… ")),
        None if pane.loading.is_some() => bottom.push_str("loading… "),
        None => {}
    }
    if !pane.filter.is_empty() || (active && matches!(app.mode, Mode::Filter(_))) {
        bottom.push_str(&format!("filter: {} ", escape(&pane.filter)));
    }
    if active && let Mode::Jump(prefix) = &app.mode {
        bottom.push_str(&format!("jump: {} ", escape(prefix)));
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(border))
        .style(t.pane_base())
        .title(Span::styled(
            title,
            Style::default()
                .fg(t.pane.title.0)
                .add_modifier(Modifier::BOLD),
        ))
        .title_bottom(Line::from(bottom));
    f.render_widget(block, area);

    let inner_w = area.width.saturating_sub(2) as usize;
    let cols = columns::plan(inner_w);
    let header = Rect::new(area.x + 1, area.y + 1, area.width.saturating_sub(2), 1);
    let head = row_text(&cols, "Name", "Size", "Modified", "Date", true);
    f.render_widget(
        Paragraph::new(head).style(Style::default().fg(t.pane.header.0).bg(t.pane.bg.0)),
        header,
    );

    let now_year = time::OffsetDateTime::now_utc()
        .to_offset(app.time_offset)
        .year();
    let rows = layout::pane_rows(area);
    let mut lines = Vec::with_capacity(rows.height as usize);
    for i in pane.scroll..pane.scroll + rows.height as usize {
        let Some(row) = pane.row(i) else { break };
        let (name, size, time, style) = match row {
            Row::Parent => (
                "/..".to_owned(),
                if cols.size.is_some_and(|c| c.long) {
                    "UP--DIR"
                } else {
                    "UP"
                }
                .to_owned(),
                String::new(),
                Style::default().fg(t.pane.dir.0),
            ),
            Row::Entry(e) => {
                let selected = pane.is_selected(e);
                let mut style = Style::default().fg(match e.kind {
                    EntryKind::Dir => t.pane.dir.0,
                    EntryKind::Symlink | EntryKind::Special => t.pane.link.0,
                    EntryKind::File => t.pane.fg.0,
                });
                if e.is_dir() {
                    style = style.add_modifier(Modifier::BOLD);
                }
                if selected {
                    style = style.fg(t.pane.selected.0).add_modifier(Modifier::BOLD);
                }
                let size = match cols.size {
                    Some(c) if c.long => size_text(e),
                    Some(_) => columns::size_short(e),
                    None => String::new(),
                };
                let time = match cols.time {
                    Some(c) if c.long => time_text(e, app.time_offset),
                    Some(_) => columns::time_short(e, app.time_offset, now_year),
                    None => String::new(),
                };
                (display_name(e, selected), size, time, style)
            }
        };
        let text = row_text(&cols, &name, &size, &time, &time, false);
        let style = if i == pane.cursor {
            let c = t.cursor(active);
            if matches!(row, Row::Entry(e) if pane.is_selected(e)) {
                c.fg(t.pane.selected.0).add_modifier(Modifier::BOLD)
            } else {
                c
            }
        } else {
            style
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines).style(t.pane_base()), rows);
}

/// One row (or the header): the name, then the size and time columns the plan shows.
/// `short_time` is the time column's text in its short form (the header's "Date").
fn row_text(
    cols: &columns::Columns,
    name: &str,
    size: &str,
    time: &str,
    short_time: &str,
    header: bool,
) -> String {
    let mut text = fit(name, cols.name);
    if let Some(c) = cols.size {
        text.push('│');
        text.push_str(&format!("{:>w$}", fit_right(size, c.width), w = c.width));
    }
    if let Some(c) = cols.time {
        let shown = if c.long { time } else { short_time };
        text.push('│');
        if header {
            text.push_str(&format!("{:^w$}", fit_right(shown, c.width), w = c.width));
        } else {
            text.push_str(&format!("{:>w$}", fit_right(shown, c.width), w = c.width));
        }
    }
    text
}

fn display_name(e: &Entry, selected: bool) -> String {
    let mark = match (selected, e.kind) {
        (true, _) => "*",
        (false, EntryKind::Dir) => "/",
        (false, EntryKind::Symlink) => "@",
        // mc marks a FIFO with `|`; sockets and devices share it here.
        (false, EntryKind::Special) => "|",
        (false, EntryKind::File) => " ",
    };
    format!("{mark}{}", escape(&e.name))
}

fn size_text(e: &Entry) -> String {
    match e.kind {
        // A read-only share (or folder): writes into it will be refused.
        EntryKind::Dir if e.readonly => "<RO-DIR>".to_owned(),
        EntryKind::Dir => "<DIR>".to_owned(),
        _ => humansize::format_size(
            e.size,
            humansize::BINARY.decimal_places(1).space_after_value(false),
        ),
    }
}

fn fit_right(s: &str, w: usize) -> String {
    if s.chars().count() > w {
        s.chars().take(w).collect()
    } else {
        s.to_owned()
    }
}

/// `2024-05-17 14:03`, local time.
pub fn time_text(e: &Entry, offset: time::UtcOffset) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    e.mtime
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| t.to_offset(offset).format(&fmt).ok())
        .unwrap_or_default()
}
