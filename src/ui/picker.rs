//! The folder picker (history, hotlist): a box over the panes listing places, the cursor
//! row highlighted, the keys on its last line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::app::picker::{Picker, PickerKind};
use crate::app::{App, layout};
use crate::names::escape;

use super::{fit, keep_end};

pub fn draw(f: &mut Frame, screen: Rect, app: &App, p: &Picker) {
    let t = &app.theme;
    let width = screen.width.saturating_sub(8).clamp(20, 90);
    let rows = (p.places.len().max(1) as u16).min(screen.height.saturating_sub(8).max(1));
    let area = layout::centered(screen, width, rows + 3);
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(t.dialog.border.0))
        .style(t.dialog_base())
        .title(format!(" {} ", p.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let shown = inner.height.saturating_sub(1) as usize;
    let first = p.cursor.saturating_sub(shown.saturating_sub(1));
    let mut lines: Vec<Line> = if p.places.is_empty() {
        let empty = match p.kind {
            PickerKind::History => "No folders yet",
            PickerKind::Hotlist => "The hotlist is empty: Ins adds this pane's folder",
        };
        vec![Line::from(fit(empty, w))]
    } else {
        p.places
            .iter()
            .enumerate()
            .skip(first)
            .take(shown)
            .map(|(i, place)| {
                let text = keep_end(&escape(&place.target()), w);
                let style = if i == p.cursor {
                    t.cursor(true)
                } else {
                    Style::default()
                };
                Line::from(Span::styled(fit(&text, w), style))
            })
            .collect()
    };
    while lines.len() < shown {
        lines.push(Line::default());
    }
    let hint = match p.kind {
        PickerKind::History => "Enter: go   Esc: close",
        PickerKind::Hotlist => "Enter: go   Ins: add this folder   Del: remove   Esc: close",
    };
    lines.push(Line::from(Span::styled(
        fit(hint, w),
        Style::default().add_modifier(Modifier::DIM),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}
