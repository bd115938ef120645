//! Pure drawing of `&App` with ratatui: reads state, never changes it, never does I/O.
//! Only the rows on screen are laid out, so a 100 000-entry folder costs the same per
//! frame as a small one. Colours come from the theme.

mod bars;
mod columns;
mod dialog;
mod fkey_bar;
mod menu;
mod overlay;
mod pane;
mod picker;
mod quick_view;
mod share_panel;
mod sync;
mod viewer;

use ratatui::Frame;

use crate::app::{App, Layer, Side, layout};

/// Draws the whole screen: the panes and bars, then the layer stack bottom to top (from
/// the topmost full-screen layer, which hides what is under it).
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let layers: Vec<&Layer> = app.layers.iter().collect();
    let from = layers.iter().rposition(|l| l.full_screen());
    if from.is_none() {
        panes(f, app);
    }
    for layer in &layers[from.unwrap_or(0)..] {
        match layer {
            // Drawn with the bars (`bars::jobs`), focused while this layer is open.
            Layer::Jobs => {}
            Layer::Viewer(v) => viewer::draw(f, area, v, &app.theme),
            Layer::SharePanel(p) => share_panel::draw_panel(f, area, app, p),
            Layer::ShareForm(form) => share_panel::draw_form(f, area, app, form),
            Layer::Revealed(r) => share_panel::draw_revealed(f, area, app, r),
            Layer::Qr(q) => share_panel::draw_qr(f, area, app, q),
            Layer::Search(s) => overlay::search(f, area, app, s),
            Layer::Connect(c) => overlay::connect(f, area, app, c),
            Layer::Dialog(d) => dialog::draw(f, area, app, d),
            Layer::Picker(p) => picker::draw(f, area, app, p),
            Layer::Menu(m) => menu::draw(f, area, app, m),
            Layer::Sync(d) => sync::draw(f, area, app, d),
        }
    }
}

/// The bottom of the screen: both panes, the jobs panel, the status and key bars.
fn panes(f: &mut Frame, app: &App) {
    let area = f.area();
    let a = layout::areas(area.width, area.height, app.jobs.rows());
    for side in [Side::Left, Side::Right] {
        match &app.quick_view {
            Some(qv) if side != app.active => quick_view::draw(f, a.panes[side.index()], app, qv),
            _ => pane::draw(f, a.panes[side.index()], app, side),
        }
    }
    if let Some(r) = a.jobs {
        bars::jobs(f, r, app);
    }
    bars::status(f, a.status, app);
    bars::fkeys(f, a.fkeys, app);
}

/// Cuts `s` to at most `width` columns, keeping the end (for paths) with a leading `…`.
pub(crate) fn keep_end(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out: Vec<char> = Vec::new();
    let mut w = 1;
    for c in s.chars().rev() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if w + cw > width {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('…');
    out.into_iter().rev().collect()
}

/// Cuts `s` to at most `width` columns and pads it to exactly `width`.
pub(crate) fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::with_capacity(width);
    let mut w = 0;
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    let limit = if total > width {
        width.saturating_sub(1)
    } else {
        width
    };
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw > limit {
            break;
        }
        w += cw;
        out.push(c);
    }
    if total > width && width > 0 {
        out.push('…');
        w += 1;
    }
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(w)));
    out
}
