//! A share link as a QR code drawn with half blocks (two modules per character cell),
//! for a phone to scan off the terminal: in the share panel and `nascmd share --qr`.
//!
//! The light modules are the drawn ones (`█`, `▀`, `▄`) and the dark ones are the
//! background, so the code reads right wherever it is drawn light on dark: the panel
//! and the CLI on a terminal set those colours themselves; plain output relies on the
//! usual light-on-dark terminal (phone readers also take the inverse).

use qrcode::render::unicode::Dense1x2;
use qrcode::{EcLevel, QrCode};

/// Why no code could be made (a URL longer than a QR code holds).
#[derive(Debug, thiserror::Error)]
#[error("this link is too long for a QR code ({0})")]
pub struct QrError(String);

/// The code of `url`, one string per terminal row, with a quiet zone of two modules
/// (half the standard four: on a screen, undamaged, readers need no more, and it keeps
/// a share URL's code within 24 rows). Error correction L for the same reason.
pub fn half_blocks(url: &str) -> Result<Vec<String>, QrError> {
    let code = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::L)
        .map_err(|e| QrError(e.to_string()))?;
    let image = code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(false)
        .build();
    let mut rows: Vec<String> = image.lines().map(str::to_owned).collect();
    // An odd module count leaves the last row's lower half undrawn (dark): make it
    // light, the start of the quiet zone below.
    if code.width() % 2 == 1
        && let Some(last) = rows.last_mut()
    {
        *last = last
            .chars()
            .map(|c| match c {
                '▀' => '█',
                ' ' => '▄',
                other => other,
            })
            .collect();
    }
    let side = "█".repeat(QUIET);
    let full = "█".repeat(code.width() + 2 * QUIET);
    let mut out = Vec::with_capacity(rows.len() + 2);
    out.push(full.clone());
    out.extend(rows.into_iter().map(|r| format!("{side}{r}{side}")));
    out.push(full);
    Ok(out)
}

/// Modules of quiet zone on each side.
const QUIET: usize = 2;

/// The width in cells of [`half_blocks`]'s rows.
pub fn width(rows: &[String]) -> usize {
    rows.iter().map(|r| r.chars().count()).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_url_fits_a_24_row_screen() {
        // As long as a QNAP link through myQNAPcloud gets.
        let url = "https://mynas-12345.myqnapcloud.com:8443/share.cgi?ssid=0a1b2c3d4e5f60718293a4b5c6d7e8f9";
        let rows = half_blocks(url).unwrap();
        assert!(width(&rows) <= 45, "too wide: {}", width(&rows));
        assert!(rows.len() <= 21, "too tall for 24 rows: {}", rows.len());
        assert!(
            rows.iter()
                .all(|r| r.starts_with("██") && r.ends_with("██"))
        );
    }

    #[test]
    fn a_url_too_long_is_refused_in_words() {
        let e = half_blocks(&"x".repeat(5000)).unwrap_err().to_string();
        assert!(e.contains("too long"), "{e}");
    }
}
