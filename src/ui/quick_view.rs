//! The Ctrl-Q quick view, drawn inside the rectangle of the pane it stands in for: a
//! border like a pane's, a line naming the file (size, text or hex), then the viewer's
//! rows — or the one line that says what is under the cursor when it is not a file.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::app::App;
use crate::app::quick_view::{QuickContent, QuickView};
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
        .border_style(Style::default().fg(t.pane.border.0))
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
    };
    f.render_widget(Paragraph::new(lines.join("\n")), inner);
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
