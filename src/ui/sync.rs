//! The Sync dialog: its options, the planning note, and the plan preview (tick boxes,
//! totals, Run / Cancel), drawn over the panes. Fits 80×24.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::App;
use crate::app::sync_dialog::{Field, Preview, SyncDialog, SyncOptions, SyncStep};
use crate::names::escape;
use crate::services::sync::{Action, ActionKind, Direction, End};

use super::fit;
use super::overlay::{field, frame, hint};

/// Lines of the preview box besides its rows: two ends, a blank, totals, keys, buttons,
/// and the border.
pub const PREVIEW_CHROME: u16 = 8;

pub fn draw(f: &mut Frame, screen: Rect, app: &App, d: &SyncDialog) {
    match &d.step {
        SyncStep::Options(o) => options(f, screen, app, d, o),
        SyncStep::Planning { listed, .. } => {
            let inner = frame(f, screen, app, "Sync", 60, 5);
            let lines = vec![
                Line::from(format!("Comparing… {listed} entries listed")),
                Line::default(),
                hint("Esc: stop"),
            ];
            f.render_widget(Paragraph::new(lines), inner);
        }
        SyncStep::Preview(p) => preview(f, screen, app, d, p),
    }
}

fn ends_lines(d: &SyncDialog, width: usize) -> Vec<Line<'static>> {
    vec![
        Line::from(fit(&format!("A (this panel):  {}", d.a_label), width)),
        Line::from(fit(&format!("B (other panel): {}", d.b_label), width)),
    ]
}

fn options(f: &mut Frame, screen: Rect, app: &App, d: &SyncDialog, o: &SyncOptions) {
    let inner = frame(f, screen, app, "Sync folders", 76, 16);
    let width = inner.width as usize;
    let focused = |field: Field| o.focus == field;
    let choice = |on: bool, text: &str| format!("({}) {text}", if on { "•" } else { " " });
    let styled = |text: String, field: Field| {
        if focused(field) {
            Line::from(Span::styled(fit(&text, width), app.theme.button(true)))
        } else {
            Line::from(fit(&text, width))
        }
    };
    let mut lines = ends_lines(d, width);
    lines.push(Line::default());
    lines.push(styled(
        format!(
            "Direction: {}  {}  {}",
            choice(o.direction == Direction::AToB, "A → B"),
            choice(o.direction == Direction::BToA, "B → A"),
            choice(o.direction == Direction::Both, "both ways, newer wins"),
        ),
        Field::Direction,
    ));
    let delete = if o.direction == Direction::Both {
        "[ ] Delete what the source does not have (not when both ways)".to_owned()
    } else {
        format!(
            "[{}] Delete on the target what the source does not have",
            if o.delete { "x" } else { " " }
        )
    };
    lines.push(styled(delete, Field::Delete));
    lines.push(styled(
        "Include only (globs, space-separated; empty: everything):".to_owned(),
        Field::Include,
    ));
    lines.push(Line::default()); // the include field
    lines.push(styled(
        "Exclude (globs: *.tmp .git photos/raw/**):".to_owned(),
        Field::Exclude,
    ));
    lines.push(Line::default()); // the exclude field
    let compare = if d.checksum_offered {
        format!(
            "Compare: {}  {}",
            choice(!o.checksum, "size, then time"),
            choice(o.checksum, "checksum (sha256)")
        )
    } else {
        "Compare: (•) size, then time   (no checksum: a side computes none)".to_owned()
    };
    lines.push(styled(compare, Field::Compare));
    lines.push(Line::default());
    match &o.error {
        Some(e) => lines.push(Line::from(Span::styled(
            fit(&escape(e), width),
            ratatui::style::Style::default().fg(app.theme.status.error.0),
        ))),
        None => lines.push(Line::default()),
    }
    lines.push(hint(
        "Enter: plan   Tab/↑↓: field   Space/←→: change   Esc: cancel",
    ));
    f.render_widget(Paragraph::new(lines), inner);
    // The edit lines, drawn over their blank rows (the cursor only in the focused one).
    let plain = |row: u16| Rect::new(inner.x, inner.y + row, inner.width, 1);
    for (row, input, which) in [
        (6, &o.include, Field::Include),
        (8, &o.exclude, Field::Exclude),
    ] {
        if focused(which) {
            field(f, app, inner, row, input, false);
        } else if row < inner.height {
            let shown = format!("{}", escape(input.value()));
            f.render_widget(
                Paragraph::new(fit(&shown, width)).style(app.theme.button(false)),
                plain(row),
            );
        }
    }
}

/// "copy", "replace", "delete", "conflict" and where: "A→B", "on B"…
fn verb_and_way(a: &Action) -> (&'static str, &'static str) {
    let way = match (a.kind, a.from) {
        (ActionKind::Delete, End::A) => "on A",
        (ActionKind::Delete, End::B) => "on B",
        (ActionKind::Conflict, _) => "A≠B",
        (_, End::A) => "A→B",
        (_, End::B) => "B→A",
    };
    let verb = match a.kind {
        ActionKind::Copy => "copy",
        ActionKind::Replace => "replace",
        ActionKind::Delete => "delete",
        ActionKind::Conflict => "conflict",
    };
    (verb, way)
}

fn size(n: u64) -> String {
    humansize::format_size(n, humansize::BINARY)
}

fn preview(f: &mut Frame, screen: Rect, app: &App, d: &SyncDialog, p: &Preview) {
    let rows = app.sync_rows();
    let w = screen.width.saturating_sub(2).max(20);
    let n = p.plan.actions.len();
    let title = format!(
        "Sync plan: {} (tick what runs)",
        crate::plural::count(n as u64, "action", "actions")
    );
    let inner = frame(f, screen, app, &title, w, rows as u16 + PREVIEW_CHROME);
    let width = inner.width as usize;
    let mut lines = ends_lines(d, width);
    let start = p.cursor.saturating_sub(rows.saturating_sub(1));
    for (i, a) in p.plan.actions.iter().enumerate().skip(start).take(rows) {
        let tick = match (a.kind, p.ticks.get(i).copied().unwrap_or(false)) {
            (ActionKind::Conflict, _) => " ! ",
            (_, true) => "[x]",
            (_, false) => "[ ]",
        };
        let (verb, way) = verb_and_way(a);
        let amount = match a.kind {
            ActionKind::Conflict => "left alone".to_owned(),
            _ => size(a.size),
        };
        let slash = if a.is_dir { "/" } else { "" };
        let head = format!("{tick} {verb:<8} {way} ");
        let tail = format!(" {amount:>10}");
        let room = width.saturating_sub(head.chars().count() + tail.chars().count());
        let name = super::keep_end(&format!("{}{slash}", escape(&a.rel)), room);
        let text = fit(&format!("{head}{}{tail}", fit(&name, room)), width);
        lines.push(if i == p.cursor {
            Line::from(Span::styled(text, app.theme.button(true)))
        } else {
            Line::from(text)
        });
    }
    while lines.len() < rows + 2 {
        lines.push(Line::default());
    }
    lines.push(Line::default());
    let t = p.totals();
    let ticked = p.ticks.iter().filter(|t| **t).count();
    let mut totals = format!(
        "Ticked {ticked}: {} to copy, {} to replace, {} to delete — {} to move",
        t.copy,
        t.replace,
        t.delete,
        size(t.bytes)
    );
    if t.conflict > 0 {
        totals.push_str(&format!(", {} left alone", t.conflict));
    }
    lines.push(Line::from(fit(&totals, width)));
    lines.push(hint(&fit(
        "Space/Ins: tick   +/-: all/none   Enter: Run   Esc: Cancel",
        width,
    )));
    lines.push(Line::from(vec![
        Span::styled("[ Run ]", app.theme.button(true)),
        Span::raw("  "),
        Span::styled("[ Cancel ]", app.theme.button(false)),
    ]));
    f.render_widget(Paragraph::new(lines), inner);
}
