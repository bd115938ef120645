//! Reads QR codes drawn with half blocks (`nascmd::share_qr`, the screen, the CLI) back
//! into their text with rqrr, as a phone camera would.

/// The text of the code in `rows` (drawn modules light, the rest dark), if one reads.
pub fn decode(rows: &[String]) -> Option<String> {
    let scale = 4;
    let grid: Vec<Vec<bool>> = rows
        .iter()
        .flat_map(|r| {
            let top: Vec<bool> = r.chars().map(|c| matches!(c, '█' | '▀')).collect();
            let bottom: Vec<bool> = r.chars().map(|c| matches!(c, '█' | '▄')).collect();
            [top, bottom]
        })
        .collect();
    let h = grid.len();
    let w = grid.iter().map(Vec::len).max()?;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w * scale, h * scale, |x, y| {
        let light = grid[y / scale].get(x / scale).copied().unwrap_or(false);
        if light { 255 } else { 0 }
    });
    let grids = img.detect_grids();
    let (_, text) = grids.first()?.decode().ok()?;
    Some(text)
}

/// The rows of a code found in a screen or output text: the lines made of half blocks
/// (and the spaces between them), cut to the blocks.
pub fn rows_in(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c != '█' && c != '▀' && c != '▄'))
        .filter(|l| l.chars().count() >= 21 && l.chars().all(|c| "█▀▄ ".contains(c)))
        .map(str::to_owned)
        .collect()
}
