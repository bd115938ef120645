//! The connect dialogs (target, masked password, 2-step code, approval on the box,
//! certificate trust) and the search dialog / results panel, drawn over the panes.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;

use crate::app::connect::{ConnectState, ConnectStep};
use crate::app::search::{SearchState, SearchStep};
use crate::app::{App, layout};
use crate::names::escape;
use crate::prompt::{ApprovalStatus, CertDetails};

use super::fit;

pub(super) fn hint(s: &str) -> Line<'static> {
    Line::from(Span::styled(
        s.to_owned(),
        Style::default().add_modifier(Modifier::DIM),
    ))
}

/// A framed box in the middle of the screen; returns the inside.
pub(super) fn frame(f: &mut Frame, screen: Rect, app: &App, title: &str, w: u16, h: u16) -> Rect {
    let area = layout::centered(screen, w.min(screen.width.saturating_sub(2)), h);
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(app.theme.dialog.border.0))
        .style(app.theme.dialog_base())
        .title(format!(" {title} "));
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}

/// One edit line at `row` of `inner`; `mask` shows `*` for each character.
pub(super) fn field(f: &mut Frame, app: &App, inner: Rect, row: u16, input: &Input, mask: bool) {
    if row >= inner.height {
        return;
    }
    let r = Rect::new(inner.x, inner.y + row, inner.width, 1);
    let w = r.width.max(1) as usize;
    let scroll = input.visual_scroll(w);
    let shown: String = if mask {
        "*".repeat(input.value().chars().count().saturating_sub(scroll))
    } else {
        escape(input.value()).chars().skip(scroll).collect()
    };
    f.render_widget(
        Paragraph::new(fit(&shown, w)).style(app.theme.button(true)),
        r,
    );
    let x = (input.visual_cursor().max(scroll) - scroll) as u16;
    f.set_cursor_position(Position::new(r.x + x.min(r.width.saturating_sub(1)), r.y));
}

pub fn connect(f: &mut Frame, screen: Rect, app: &App, c: &ConnectState) {
    let target = escape(&c.target).into_owned();
    let (lines, input, mask): (Vec<Line>, Option<&Input>, bool) = match &c.step {
        ConnectStep::Target(input) => (
            vec![
                Line::from("NAME:/path, qnap://user@host:port/Share or freebox://host"),
                Line::default(),
                Line::default(),
                hint("Enter: connect   Esc: cancel"),
            ],
            Some(input),
            false,
        ),
        ConnectStep::Connecting => (
            vec![
                Line::from(format!("Connecting to {target}…")),
                Line::default(),
                hint("Esc: cancel"),
            ],
            None,
            false,
        ),
        ConnectStep::Password { input, who } => {
            let mut lines = vec![
                Line::from(format!("Password for {}:", escape(who))),
                Line::default(),
                Line::default(),
            ];
            if let Some(note) = &c.refusals.note {
                lines.push(Line::from(Span::styled(
                    note.clone(),
                    Style::default().add_modifier(Modifier::BOLD),
                )));
            }
            lines.push(hint("Enter: log in   Esc: cancel"));
            (lines, Some(input), true)
        }
        ConnectStep::Code(input) => (
            vec![
                Line::from("This account uses 2-step verification."),
                Line::from("6-digit code from the authenticator app:"),
                Line::default(),
                Line::default(),
                hint("Enter: log in   Esc: cancel"),
            ],
            Some(input),
            false,
        ),
        ConnectStep::Approving {
            approval,
            status,
            polls,
        } => {
            let state = match status {
                ApprovalStatus::Pending => "waiting for the button press…",
                ApprovalStatus::Granted => "granted: opening a session…",
                ApprovalStatus::Denied => "denied",
                ApprovalStatus::Timeout => "timed out",
                ApprovalStatus::Unknown => "unknown request",
            };
            let mut lines = vec![Line::from(approval.text), Line::from(format!("({target})"))];
            lines.extend(approval.note.map(Line::from));
            lines.extend([
                Line::default(),
                Line::from(vec![
                    Span::raw("Status: "),
                    Span::styled(state, Style::default().add_modifier(Modifier::BOLD)),
                    Span::raw(format!(" (asked {polls}×)")),
                ]),
                Line::default(),
                hint("Esc: cancel"),
            ]);
            (lines, None, false)
        }
        ConnectStep::Trust(info) => (trust_lines(&target, info), None, false),
    };
    let h = lines.len() as u16 + 2;
    let inner = frame(f, screen, app, c.title(), 64, h);
    let field_row = match c.step {
        ConnectStep::Code(_) => 2,
        _ => 1,
    };
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some(input) = input {
        field(f, app, inner, field_row, input, mask);
    }
}

/// What the NAS presented, to compare with what the NAS itself shows before trusting
/// it. Subject and issuer come escaped from the probe.
fn trust_lines(target: &str, info: &CertDetails) -> Vec<Line<'static>> {
    let issuer = if info.self_signed {
        format!("{} (self-signed)", info.issuer)
    } else {
        info.issuer.clone()
    };
    // 32 bytes as `AB:` is 95 columns: two rows of 16 bytes.
    let (first, second) = info.sha256.split_at(info.sha256.len().min(48));
    vec![
        Line::from(format!("{target} presented a certificate not trusted yet:")),
        Line::default(),
        Line::from(format!("Subject:  {}", info.subject)),
        Line::from(format!("Issuer:   {issuer}")),
        Line::from(format!("Valid:    {}", info.not_before)),
        Line::from(format!("   until  {}", info.not_after)),
        Line::from(vec![
            Span::raw("SHA-256:  "),
            Span::styled(
                first.trim_end_matches(':').to_owned(),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::from(vec![
            Span::raw("          "),
            Span::styled(
                second.to_owned(),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        ]),
        Line::default(),
        Line::from("Compare the fingerprint with the one the NAS shows; if they"),
        Line::from("match, nascmd pins it and trusts only this certificate."),
        Line::default(),
        hint("y: trust it and connect   n/Esc: cancel"),
    ]
}

pub fn search(f: &mut Frame, screen: Rect, app: &App, s: &SearchState) {
    let dir = escape(s.dir.as_str()).into_owned();
    match &s.step {
        SearchStep::Ask(input) => {
            let lines = vec![
                Line::from(format!("File name (* and ? wildcards) under {dir}:")),
                Line::default(),
                Line::default(),
                hint("Enter: search   Esc: cancel"),
            ];
            let inner = frame(f, screen, app, "Find file", 64, 6);
            f.render_widget(Paragraph::new(lines), inner);
            field(f, app, inner, 1, input, false);
        }
        SearchStep::Results(r) => {
            let rows = app.search_rows();
            let w = screen.width.saturating_sub(6).max(20);
            let title = format!("Find \"{}\" in {dir}", escape(&r.pattern));
            let inner = frame(f, screen, app, &title, w, rows as u16 + 4);
            let width = inner.width as usize;
            let start = r.cursor.saturating_sub(rows.saturating_sub(1));
            let mut lines: Vec<Line> = r
                .hits
                .iter()
                .enumerate()
                .skip(start)
                .take(rows)
                .map(|(i, h)| {
                    let mark = if h.entry.is_dir() { "/" } else { "" };
                    let text = fit(&format!("{}{mark}", escape(h.path.as_str())), width);
                    if i == r.cursor {
                        Line::from(Span::styled(text, app.theme.button(true)))
                    } else {
                        Line::from(text)
                    }
                })
                .collect();
            while lines.len() < rows {
                lines.push(Line::default());
            }
            let state = match (&r.error, r.running) {
                (_, true) => format!("{} found, searching…   Esc: stop", r.hits.len()),
                (Some(e), false) => format!("{} found ({e})   Esc: close", r.hits.len()),
                (None, false) => format!("{} found   Enter: go to   Esc: close", r.hits.len()),
            };
            lines.push(Line::default());
            lines.push(hint(&state));
            f.render_widget(Paragraph::new(lines), inner);
        }
    }
}
