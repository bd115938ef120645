//! The full-screen viewer: a title bar, the rows, a key hint line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Paragraph;

use crate::theme::Theme;
use crate::viewer::{Mode, Viewer};

use super::{fit, keep_end};

pub fn draw(f: &mut Frame, area: Rect, v: &Viewer, t: &Theme) {
    if area.height < 3 {
        return;
    }
    let mode = match v.mode {
        _ if v.picture.is_some() => "picture",
        Mode::Text => "text",
        Mode::Hex => "hex",
    };
    let info = format!(
        " {} bytes  {}%  {mode}{} ",
        v.size,
        v.percent(),
        if v.loading() { "  loading…" } else { "" }
    );
    let title_w = (area.width as usize).saturating_sub(info.chars().count());
    let title = format!(
        "{}{info}",
        fit(&keep_end(&format!(" {}", v.title()), title_w), title_w)
    );
    let bar = t.status_base().add_modifier(Modifier::BOLD);
    f.render_widget(
        Paragraph::new(title).style(bar),
        Rect::new(area.x, area.y, area.width, 1),
    );
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 2);
    if let Some(slot) = &v.picture {
        let style = Style::default().fg(t.viewer.fg.0).bg(t.viewer.bg.0);
        f.render_widget(Paragraph::new("").style(style), body);
        super::quick_view::draw_slot(f, body, slot);
    } else {
        draw_rows(f, body, v, t);
    }
    let hint = " ↑↓ PgUp PgDn Home End: scroll   F4/h: hex/text   Esc/q/F3: close";
    // A key without an action says so here for a moment, instead of the hint.
    let line = match &v.note {
        Some((_, note)) => format!(" {note}"),
        None => hint.to_owned(),
    };
    f.render_widget(
        Paragraph::new(fit(&line, area.width as usize)).style(t.status_base()),
        Rect::new(area.x, area.y + area.height - 1, area.width, 1),
    );
}

fn draw_rows(f: &mut Frame, body: Rect, v: &Viewer, t: &Theme) {
    let text: Vec<String> = match &v.error {
        Some(e) => vec![format!("Cannot read the file: {e}")],
        None => v.rows(),
    };
    let style = Style::default().fg(t.viewer.fg.0).bg(t.viewer.bg.0);
    f.render_widget(Paragraph::new(text.join("\n")).style(style), body);
}
