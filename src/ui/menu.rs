//! The F9 menu bar on the top row and the open menu under its title: each action's
//! description and keys, as the keymap lists them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use unicode_width::UnicodeWidthStr;

use crate::app::App;
use crate::app::menu::Menu;
use crate::keymap::MenuArea;

use super::fit;

pub fn draw(f: &mut Frame, screen: Rect, app: &App, m: &Menu) {
    let t = &app.theme;
    if screen.height < 4 || screen.width < 20 {
        return;
    }
    // The bar: every menu's title, the open one highlighted.
    let bar_area = Rect::new(screen.x, screen.y, screen.width, 1);
    let mut spans = Vec::new();
    let mut open_x = 0u16;
    let mut x = 0u16;
    for (i, area) in MenuArea::ALL.iter().enumerate() {
        let label = format!("  {}  ", area.title());
        if i == m.area {
            open_x = x;
        }
        x += label.width() as u16;
        spans.push(Span::styled(label, t.button(i == m.area)));
    }
    f.render_widget(Clear, bar_area);
    f.render_widget(
        Paragraph::new(Line::from(spans)).style(t.button(false)),
        bar_area,
    );

    // The open menu: description on the left, keys on the right.
    let items = app.keymap.menu(m.area());
    let keys_w = items.iter().map(|(_, k)| k.width()).max().unwrap_or(0);
    let desc_w = items
        .iter()
        .map(|(a, _)| a.description().width())
        .max()
        .unwrap_or(0);
    let width = ((desc_w + keys_w + 4) as u16).min(screen.width);
    let height = (items.len() as u16 + 2).min(screen.height - 1);
    let x = open_x.min(screen.width - width);
    let area = Rect::new(screen.x + x, screen.y + 1, width, height);
    f.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(t.dialog.border.0))
        .style(t.dialog_base());
    let inner = block.inner(area);
    f.render_widget(block, area);
    let shown = inner.height as usize;
    let first = m.item.saturating_sub(shown.saturating_sub(1));
    let inner_w = inner.width as usize;
    let kw = keys_w.min(inner_w / 3);
    let dw = inner_w.saturating_sub(kw + 1);
    let lines: Vec<Line> = items
        .iter()
        .enumerate()
        .skip(first)
        .take(shown)
        .map(|(i, (action, keys))| {
            let style = if i == m.item {
                t.cursor(true)
            } else {
                Style::default()
            };
            let text = format!("{} {:>kw$}", fit(action.description(), dw), fit(keys, kw));
            Line::from(Span::styled(text, style))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
