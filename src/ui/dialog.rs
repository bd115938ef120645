//! Dialog layers, drawn over the panes in stack order.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::app::dialog::CONFLICT_CHOICES;
use crate::app::{App, Dialog, layout};
use crate::names::escape;

use super::{fit, pane::time_text};

pub fn draw(f: &mut Frame, screen: Rect, app: &App, d: &Dialog) {
    let t = &app.theme;
    let width = screen.width.saturating_sub(4).min(70);
    // The text's width inside the border: button rows are packed to it.
    let text_w = width.saturating_sub(2) as usize;
    let (title, mut lines, border) = match d {
        Dialog::Confirm {
            title,
            lines,
            yes_focused,
            ..
        } => {
            let mut l: Vec<Line> = lines.iter().map(|s| Line::from(s.clone())).collect();
            l.push(Line::default());
            l.extend(buttons(
                app,
                &["Yes", "No"],
                usize::from(!*yes_focused),
                text_w,
            ));
            (title.clone(), l, t.dialog.border.0)
        }
        Dialog::Input {
            title,
            prompt,
            input,
            note,
            ..
        } => {
            let note = note.as_deref().map_or_else(Line::default, |n| {
                Line::from(Span::styled(
                    n.to_owned(),
                    Style::default().add_modifier(Modifier::DIM),
                ))
            });
            let l = vec![
                Line::from(prompt.clone()),
                Line::default(),
                note,
                Line::from(Span::styled(
                    "Enter: OK   Esc: cancel",
                    Style::default().add_modifier(Modifier::DIM),
                )),
            ];
            let _ = input;
            (title.clone(), l, t.dialog.border.0)
        }
        Dialog::Conflict(c) => {
            let describe = |e: &crate::vfs::Entry, tags: &[&str]| {
                let tags = if tags.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", tags.join(", "))
                };
                format!(
                    "{}, {}{tags}",
                    humansize::format_size(e.size, humansize::BINARY),
                    time_text(e, app.time_offset)
                )
            };
            let (new_tags, old_tags) = c.tags();
            let mut l = vec![
                Line::from(format!("{} already exists.", escape(c.target.as_str()))),
                Line::from(format!("  new:      {}", describe(&c.source, &new_tags))),
                Line::from(format!("  existing: {}", describe(&c.existing, &old_tags))),
                Line::default(),
            ];
            l.extend(buttons(app, &CONFLICT_CHOICES, c.choice, text_w));
            let mark = if c.apply_to_all { "[x]" } else { "[ ]" };
            l.push(Line::from(format!(
                "{mark} Apply to all conflicts of this job (a)"
            )));
            ("File exists".to_owned(), l, t.dialog.error_border.0)
        }
        Dialog::Choice(c) => {
            let mut l: Vec<Line> = c.lines.iter().map(|s| Line::from(s.clone())).collect();
            l.push(Line::default());
            let labels: Vec<&str> = c.labels.iter().map(String::as_str).collect();
            l.extend(buttons(app, &labels, c.focused, text_w));
            (c.title.clone(), l, t.dialog.error_border.0)
        }
        Dialog::Message {
            title,
            lines,
            error,
            failed_job,
        } => {
            let mut l: Vec<Line> = lines.iter().map(|s| Line::from(s.clone())).collect();
            l.push(Line::default());
            match failed_job {
                Some(job) if app.jobs.failed_job(*job).is_some_and(|j| j.retryable) => {
                    l.extend(buttons(app, &["OK", "Retry (r)", "Details (d)"], 0, text_w))
                }
                Some(_) => l.extend(buttons(app, &["OK", "Details (d)"], 0, text_w)),
                None => l.extend(buttons(app, &["OK"], 0, text_w)),
            }
            let border = if *error {
                t.dialog.error_border.0
            } else {
                t.dialog.border.0
            };
            (title.clone(), l, border)
        }
        Dialog::Details {
            title,
            lines,
            scroll,
            ..
        } => {
            let l: Vec<Line> = lines
                .iter()
                .skip(*scroll)
                .map(|s| Line::from(s.clone()))
                .collect();
            (title.clone(), l, t.dialog.error_border.0)
        }
        Dialog::Help { scroll } => {
            let key_w = crate::app::layout::HELP_KEY_WIDTH;
            // A resize may have left the scroll past the end.
            let l: Vec<Line> = app
                .help_rows()
                .into_iter()
                .skip((*scroll).min(app.help_max_scroll()))
                .map(|(k, d)| {
                    Line::from(vec![
                        Span::styled(
                            fit(&k, key_w),
                            Style::default().add_modifier(Modifier::BOLD),
                        ),
                        Span::raw(d),
                    ])
                })
                .collect();
            (
                "Keys (↑/↓ PgUp/PgDn Home/End scroll, Esc close)".to_owned(),
                l,
                t.dialog.border.0,
            )
        }
    };
    let help = matches!(d, Dialog::Help { .. } | Dialog::Details { .. });
    let width = if help {
        screen.width.saturating_sub(4).min(100)
    } else {
        width
    };
    let wanted = if help {
        screen.height.saturating_sub(4)
    } else if matches!(d, Dialog::Input { .. }) {
        lines.len() as u16 + 2
    } else {
        // Long lines (an error naming a deep path) wrap: count the rows they take, so
        // the buttons below them are never cut off.
        let rows = Paragraph::new(lines.clone())
            .wrap(Wrap { trim: false })
            .line_count(width.saturating_sub(2));
        u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2)
    };
    let area = layout::centered(screen, width, wanted.max(3));
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(border))
        .style(t.dialog_base())
        .title(format!(" {title} "));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if let Dialog::Input { input, .. } = d {
        // The edit field: a highlighted line with the text scrolled to the cursor.
        let field = Rect::new(
            inner.x,
            inner.y + 1,
            inner.width,
            1.min(inner.height.saturating_sub(1)),
        );
        let w = field.width.max(1) as usize;
        let scroll = input.visual_scroll(w);
        let shown: String = escape(input.value()).chars().skip(scroll).collect();
        f.render_widget(Paragraph::new(fit(&shown, w)).style(t.button(true)), field);
        let x = (input.visual_cursor().max(scroll) - scroll) as u16;
        f.set_cursor_position(Position::new(
            field.x + x.min(field.width.saturating_sub(1)),
            field.y,
        ));
        lines.remove(1);
        let rest = Rect::new(inner.x, inner.y, inner.width, 1);
        f.render_widget(Paragraph::new(lines.remove(0)), rest);
        let below = Rect::new(
            inner.x,
            inner.y + 2,
            inner.width,
            inner.height.saturating_sub(2),
        );
        f.render_widget(Paragraph::new(lines), below);
        return;
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

/// The buttons as rows of whole buttons, each row at most `width` wide: a narrow screen
/// puts the next button on the next row instead of cutting one in two.
fn buttons(app: &App, labels: &[&str], focus: usize, width: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthStr;
    let mut rows = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (i, l) in labels.iter().enumerate() {
        let button = format!("[ {l} ]");
        let w = button.width();
        if !spans.is_empty() && used + 1 + w > width {
            rows.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        if !spans.is_empty() {
            spans.push(Span::raw(" "));
            used += 1;
        }
        used += w;
        spans.push(Span::styled(button, app.theme.button(i == focus)));
    }
    rows.push(Line::from(spans));
    rows
}
