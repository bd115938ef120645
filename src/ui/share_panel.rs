//! The share panel over the panes, the share form and the box of URLs no clipboard took.
//! Every text from the NAS (names, paths, URLs, codes) goes through `names::escape`.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;

use crate::app::share::{QrView, RevealedUrls};
use crate::app::share_form::FormField;
use crate::app::share_mail::{MailField, MailForm};
use crate::app::share_panel::{ShareForm, SharePanel};
use crate::app::{App, layout};
use crate::names::escape;
use crate::share_format::{format_expiry, format_expiry_date, format_expiry_relative};
use crate::vfs::ShareLink;

use super::fit;

/// The panel and the revealed URLs cover both panes.
fn over_panes(screen: Rect, app: &App) -> Rect {
    let a = layout::areas(screen.width, screen.height, app.jobs.rows());
    a.panes[0].union(a.panes[1])
}

/// The share panel layer.
pub fn draw_panel(f: &mut Frame, screen: Rect, app: &App, p: &SharePanel) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    panel(f, over_panes(screen, app), app, p, now);
}

/// The share form layer.
pub fn draw_form(f: &mut Frame, screen: Rect, app: &App, v: &ShareForm) {
    form(f, screen, app, v);
}

/// The layer of URLs no clipboard took.
pub fn draw_revealed(f: &mut Frame, screen: Rect, app: &App, r: &RevealedUrls) {
    revealed(f, over_panes(screen, app), app, &r.reason, &r.lines);
}

fn block<'a>(app: &App, title: String) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(Style::default().fg(app.theme.dialog.border.0))
        .style(app.theme.dialog_base())
        .title(title)
}

fn dim(s: &str) -> Span<'static> {
    Span::styled(s.to_owned(), Style::default().add_modifier(Modifier::DIM))
}

/// One row: name, expiry (relative, then date), code, downloads, URL.
fn row(link: &ShareLink, now: i64, width: usize) -> String {
    let name = if link.path.is_root() {
        "/".to_owned()
    } else {
        escape(link.path.name()).into_owned()
    };
    let date = match link.expires {
        Some(_) => format_expiry_date(link.expires)
            .trim_end_matches(" UTC")
            .to_owned(),
        None => String::new(),
    };
    let code = link
        .access_code
        .as_deref()
        .map(|c| escape(c).into_owned())
        .unwrap_or_else(|| "-".to_owned());
    let downloads = link
        .downloads
        .map(|d| d.to_string())
        .unwrap_or_else(|| "-".to_owned());
    let url = if link.url.trim().is_empty() {
        "(no public URL: remote access off)".to_owned()
    } else {
        escape(&link.url).into_owned()
    };
    let fixed = format!(
        "{} {} {} {} {} ",
        fit(&name, 22),
        fit(&format_expiry_relative(link.expires, now), 14),
        fit(&date, 16),
        fit(&code, 10),
        fit(&downloads, 5),
    );
    let rest = width.saturating_sub(fixed.chars().count());
    format!("{fixed}{}", fit(&url, rest))
}

fn panel(f: &mut Frame, area: Rect, app: &App, p: &SharePanel, now: i64) {
    f.render_widget(Clear, area);
    let title = format!(" Share links on {} ", p.label);
    let b = block(app, title);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let w = inner.width as usize;
    let header = format!(
        "{} {} {} {} {} {}",
        fit("Name", 22),
        fit("Expires", 14),
        fit("Date (UTC)", 16),
        fit("Code", 10),
        fit("Downl", 5),
        "URL"
    );
    let mut lines = vec![Line::from(Span::styled(
        fit(&header, w),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    // Rows fill what is left after the header and the 4 detail/help lines.
    let rows = (inner.height as usize).saturating_sub(6).max(1);
    let first = p.cursor.saturating_sub(rows.saturating_sub(1));
    if p.links.is_empty() {
        let text = match (p.loading.is_some(), &p.error) {
            (_, Some(e)) => format!("Cannot list the links: {e}"),
            (true, None) => "Listing the links…".to_owned(),
            (false, None) => "No share links on this NAS.".to_owned(),
        };
        lines.push(Line::from(text));
    }
    for (i, link) in p.links.iter().enumerate().skip(first).take(rows) {
        let style = if i == p.cursor {
            app.theme.cursor(true)
        } else {
            app.theme.dialog_base()
        };
        lines.push(Line::from(Span::styled(row(link, now, w), style)));
    }
    f.render_widget(Paragraph::new(lines), inner);

    // Details of the link under the cursor, then the keys.
    let foot_h = 4.min(inner.height);
    let foot = Rect::new(
        inner.x,
        inner.y + inner.height - foot_h,
        inner.width,
        foot_h,
    );
    let mut details = Vec::new();
    if let Some(l) = p.links.get(p.cursor) {
        details.push(Line::from(format!("Path: {}", escape(l.path.as_str()))));
        details.push(Line::from(format!("URL:  {}", escape(&l.url))));
        details.push(Line::from(format!(
            "Expires: {}",
            format_expiry(l.expires, now)
        )));
    } else {
        details.extend([Line::default(), Line::default(), Line::default()]);
    }
    details.push(Line::from(dim(
        "Enter/c copy URL  e change  m e-mail  Del revoke  D revoke all  g go to file  r reload  Esc close",
    )));
    f.render_widget(Paragraph::new(details), foot);
    if let Some(m) = &p.mail {
        mail_form(f, area, app, m);
    }
}

/// The mail form over the panel: addresses, subject, message.
fn mail_form(f: &mut Frame, area: Rect, app: &App, m: &MailForm) {
    let width = area.width.saturating_sub(4).min(70);
    let area = layout::centered(area, width, 11);
    f.render_widget(Clear, area);
    let b = block(app, format!(" {} ", escape(&m.title)));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let error = match &m.error {
        Some(e) => Line::from(Span::styled(
            e.clone(),
            Style::default().fg(app.theme.dialog.error_border.0),
        )),
        None => Line::default(),
    };
    let lines = vec![
        Line::from("To (addresses, separated by commas):"),
        Line::default(),
        Line::from("Subject:"),
        Line::default(),
        Line::from("Message:"),
        Line::default(),
        error,
        Line::from(dim("Tab: next field   Enter: send   Esc: cancel")),
    ];
    f.render_widget(Paragraph::new(lines), inner);
    let fields = [
        (&m.to, MailField::To),
        (&m.subject, MailField::Subject),
        (&m.message, MailField::Message),
    ];
    for (i, (input, which)) in fields.into_iter().enumerate() {
        let r = Rect::new(inner.x, inner.y + 1 + 2 * i as u16, inner.width, 1);
        if r.y >= inner.y + inner.height {
            return;
        }
        field(f, app, r, input, m.focus == which);
    }
}

fn form(f: &mut Frame, screen: Rect, app: &App, v: &ShareForm) {
    // Only the fields the NAS can take: no access code row where links have none.
    let fields = v.fields();
    let with_host = fields.contains(&FormField::Host);
    let width = screen.width.saturating_sub(4).min(64);
    let area = layout::centered(screen, width, 6 + 2 * fields.len() as u16);
    f.render_widget(Clear, area);
    let b = block(app, format!(" {} ", v.title));
    let inner = b.inner(area);
    f.render_widget(b, area);
    let mut lines = Vec::new();
    for which in &fields {
        lines.push(Line::from(match which {
            FormField::Expire => "Expires after (30m, 12h, 7d, 2w or never):",
            FormField::Code => "Access code (empty: none; Ctrl-G: a new random one):",
            FormField::Host => "Host in the URL (Left/Right: names the NAS reports):",
        }));
        lines.push(Line::default());
    }
    if !v.codes {
        lines.push(Line::from(dim(
            "This NAS takes no access code on its links.",
        )));
    } else {
        lines.push(Line::default());
    }
    if let Some(e) = &v.error {
        lines.push(Line::from(Span::styled(
            e.clone(),
            Style::default().fg(app.theme.dialog.error_border.0),
        )));
    } else {
        lines.push(Line::default());
    }
    lines.push(Line::from(dim("Tab: next field   Enter: OK   Esc: cancel")));
    f.render_widget(Paragraph::new(lines), inner);
    let row = |i: u16| Rect::new(inner.x, inner.y + 1 + 2 * i, inner.width, 1);
    for (i, which) in fields.iter().enumerate() {
        let input = match which {
            FormField::Expire => &v.expire,
            FormField::Code => &v.code,
            FormField::Host => continue,
        };
        let r = row(i as u16);
        if r.y >= inner.y + inner.height {
            return;
        }
        field(f, app, r, input, v.focus == *which);
    }
    let host_row = fields
        .iter()
        .position(|w| *w == FormField::Host)
        .unwrap_or(2);
    let r = row(host_row as u16);
    if let (true, Some(h)) = (with_host, v.chosen_host())
        && r.y < inner.y + inner.height
    {
        let shown = format!(
            "\u{2039} {} ({}) \u{203a}  {}/{}",
            escape(&h.host),
            escape(&h.source),
            v.host + 1,
            v.hosts.len()
        );
        f.render_widget(
            Paragraph::new(fit(&shown, r.width as usize))
                .style(app.theme.button(v.focus == FormField::Host)),
            r,
        );
    }
}

fn field(f: &mut Frame, app: &App, area: Rect, input: &Input, focused: bool) {
    let w = area.width.max(1) as usize;
    let scroll = input.visual_scroll(w);
    let shown: String = escape(input.value()).chars().skip(scroll).collect();
    f.render_widget(
        Paragraph::new(fit(&shown, w)).style(app.theme.button(focused)),
        area,
    );
    if focused {
        let x = (input.visual_cursor().max(scroll) - scroll) as u16;
        f.set_cursor_position(Position::new(
            area.x + x.min(area.width.saturating_sub(1)),
            area.y,
        ));
    }
}

/// The URLs on lines of their own, as wide as the screen allows, so a mouse selection
/// (Shift+drag while nascmd has the mouse) takes them whole.
fn revealed(f: &mut Frame, area: Rect, app: &App, reason: &str, urls: &[String]) {
    // The explanation wraps; the URLs never do (each stays one line to select).
    let text = Paragraph::new(vec![
        Line::from(format!("No clipboard available: {reason}")),
        Line::from("Select the URL with the mouse (hold Shift in most terminals) and copy it:"),
    ])
    .wrap(ratatui::widgets::Wrap { trim: false });
    let text_rows = u16::try_from(text.line_count(area.width.saturating_sub(2))).unwrap_or(2);
    let h = (urls.len() as u16 + 4 + text_rows).min(area.height);
    let r = Rect::new(area.x, area.y + (area.height - h) / 2, area.width, h);
    f.render_widget(Clear, r);
    let b = block(app, " Share link — copy it by hand ".to_owned());
    let inner = b.inner(r);
    f.render_widget(b, r);
    let text_area = Rect::new(inner.x, inner.y, inner.width, text_rows.min(inner.height));
    f.render_widget(text, text_area);
    let mut lines = vec![Line::default()];
    lines.extend(urls.iter().map(|u| Line::from(u.clone())));
    lines.push(Line::from(dim("Enter/Esc: close")));
    let below = Rect::new(
        inner.x,
        inner.y + text_area.height,
        inner.width,
        inner.height.saturating_sub(text_area.height),
    );
    f.render_widget(Paragraph::new(lines), below);
}

/// A link's QR code, centred on the whole screen (a share URL's code needs up to 21
/// rows), light on dark in fixed colours so any terminal theme scans right; or, where
/// the window is too small, how big it must be.
pub fn draw_qr(f: &mut Frame, screen: Rect, app: &App, q: &QrView) {
    f.render_widget(Clear, screen);
    let w = crate::share_qr::width(&q.rows) as u16;
    let h = q.rows.len() as u16;
    let hint = "Esc: close";
    if w > screen.width || h + 2 > screen.height {
        let text = format!(
            "The window is too small for this QR code: it needs {}×{} (now {}×{}). \
             Enlarge it, or run `nascmd share --qr`. {hint}",
            w,
            h + 2,
            screen.width,
            screen.height
        );
        f.render_widget(
            Paragraph::new(text).wrap(ratatui::widgets::Wrap { trim: true }),
            screen,
        );
        return;
    }
    let top = screen.y + (screen.height - h - 2) / 2;
    let title = fit(&format!("QR code — {}", q.title), screen.width as usize);
    f.render_widget(
        Paragraph::new(title).alignment(ratatui::layout::Alignment::Center),
        Rect::new(screen.x, top, screen.width, 1),
    );
    let code_style = if app.theme.monochrome {
        Style::default()
    } else {
        Style::default()
            .fg(ratatui::style::Color::White)
            .bg(ratatui::style::Color::Black)
    };
    let left = screen.x + (screen.width - w) / 2;
    for (i, row) in q.rows.iter().enumerate() {
        f.render_widget(
            Paragraph::new(row.as_str()).style(code_style),
            Rect::new(left, top + 1 + i as u16, w, 1),
        );
    }
    f.render_widget(
        Paragraph::new(dim(hint)).alignment(ratatui::layout::Alignment::Center),
        Rect::new(screen.x, top + 1 + h, screen.width, 1),
    );
}
