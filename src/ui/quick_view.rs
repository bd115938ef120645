//! The Ctrl-Q quick view, drawn inside the rectangle of the pane it stands in for: a
//! border like a pane's, a line naming the file (size, text or hex), then the viewer's
//! rows — or the one line that says what is under the cursor when it is not a file.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::quick_view::{PictureView, QuickContent, QuickView};
use crate::image_preview::{PictureSlot, PictureState};
use crate::keymap::Action;
use crate::viewer::{Mode, Viewer};

use super::{fit, keep_end};

pub fn draw(f: &mut Frame, area: Rect, app: &App, qv: &QuickView) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let t = &app.theme;
    let back = app
        .keymap
        .keys(Action::QuickView)
        .first()
        .map(|k| format!(" ({})", key_label(&k.to_string())))
        .unwrap_or_default();
    let title = fit(
        &format!(" Quick view{back} "),
        area.width.saturating_sub(4) as usize,
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if qv.focused {
            // The keys are the view's: its border stands out like the cursor.
            t.cursor(true)
        } else {
            Style::default().fg(t.pane.border.0)
        })
        .style(Style::default().fg(t.viewer.fg.0).bg(t.viewer.bg.0))
        .title(Span::styled(
            title.trim_end().to_owned(),
            Style::default()
                .fg(t.pane.title.0)
                .add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let width = inner.width as usize;
    let lines: Vec<String> = match &qv.content {
        QuickContent::Note(text) => vec![fit(text, width)],
        QuickContent::File(v) => file_lines(v, width),
        QuickContent::Picture(p) => return draw_picture(f, inner, p),
    };
    f.render_widget(Paragraph::new(lines.join("\n")), inner);
}

/// `photo.png  1234 bytes  picture`, then the picture below (laid out already: this only
/// copies its cells).
fn draw_picture(f: &mut Frame, inner: Rect, p: &PictureView) {
    let width = inner.width as usize;
    let state = match &p.slot.state {
        PictureState::Loading => "  loading…",
        PictureState::Ready(_) | PictureState::Failed(_) => "",
    };
    let info = format!("  {} bytes  picture{state}", p.size);
    let name = crate::names::escape(p.path.name()).into_owned();
    let head = format!(
        "{}{info}",
        keep_end(&name, width.saturating_sub(info.chars().count()))
    );
    f.render_widget(Paragraph::new(head), inner);
    let below = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    draw_slot(f, below, &p.slot);
}

/// The picture of a slot, or the line saying why there is none (shared with F3).
pub fn draw_slot(f: &mut Frame, area: Rect, slot: &PictureSlot) {
    match &slot.state {
        PictureState::Loading => {}
        PictureState::Failed(why) => f.render_widget(
            Paragraph::new(fit(&format!("No preview: {why}"), area.width as usize)),
            area,
        ),
        PictureState::Ready(pic) => f.render_widget(
            ratatui_image::Image::new(pic.protocol()).allow_clipping(true),
            area,
        ),
    }
}

/// `Ctrl-q` as the help writes keys with a modifier: `Ctrl-Q`.
fn key_label(key: &str) -> String {
    match key.rsplit_once('-') {
        Some((mods, last)) if last.chars().count() == 1 => {
            format!("{mods}-{}", last.to_uppercase())
        }
        _ => key.to_owned(),
    }
}

/// `notes.txt  1234 bytes  text`, then the rows of the window held.
fn file_lines(v: &Viewer, width: usize) -> Vec<String> {
    let mode = match v.mode {
        Mode::Text => "text",
        Mode::Hex => "hex",
    };
    let info = format!(
        "  {} bytes  {mode}{}",
        v.size,
        if v.loading() { "  loading…" } else { "" }
    );
    let name_w = width.saturating_sub(info.chars().count());
    let name = crate::names::escape(v.path.name()).into_owned();
    let mut lines = vec![format!("{}{info}", keep_end(&name, name_w))];
    match &v.error {
        Some(e) => lines.push(format!("Cannot read the file: {e}")),
        None => lines.extend(v.rows()),
    }
    lines
}
