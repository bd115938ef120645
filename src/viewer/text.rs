//! Line finding and formatting over a window of bytes. Lines longer than `MAX_LINE`
//! are shown in pieces, so a file without newlines still scrolls.

/// Longest piece shown as one row.
pub const MAX_LINE: usize = 1024;

/// Start of the line after the one starting at `pos` (or `pos` when unknown).
pub fn next_line(buf: &[u8], buf_offset: u64, pos: u64, size: u64) -> u64 {
    if pos < buf_offset {
        return pos;
    }
    let lo = (pos - buf_offset) as usize;
    if lo >= buf.len() {
        return pos;
    }
    let rest = &buf[lo..buf.len().min(lo + MAX_LINE)];
    match rest.iter().position(|&b| b == b'\n') {
        Some(i) => (pos + i as u64 + 1).min(size),
        None if rest.len() == MAX_LINE => pos + MAX_LINE as u64,
        // The window ends inside this line: the end of the file, or a refill will come.
        None => pos,
    }
}

/// Start of the line before the one starting at `pos`.
pub fn prev_line(buf: &[u8], buf_offset: u64, pos: u64) -> u64 {
    if pos == 0 || pos <= buf_offset || pos > buf_offset + buf.len() as u64 {
        return pos;
    }
    let hi = (pos - buf_offset) as usize;
    // Skip the newline that ends the previous line.
    let end = if buf[hi - 1] == b'\n' { hi - 1 } else { hi };
    let lo = end.saturating_sub(MAX_LINE);
    match buf[lo..end].iter().rposition(|&b| b == b'\n') {
        Some(i) => buf_offset + (lo + i + 1) as u64,
        None if lo == 0 && buf_offset == 0 => 0,
        None if lo == 0 => pos, // needs an earlier window
        None => buf_offset + lo as u64,
    }
}

/// The line start at or before `pos` (within the window).
pub fn line_start_at(buf: &[u8], buf_offset: u64, pos: u64) -> u64 {
    if pos <= buf_offset || pos > buf_offset + buf.len() as u64 {
        return pos;
    }
    let hi = (pos - buf_offset) as usize;
    let lo = hi.saturating_sub(MAX_LINE);
    match buf[lo..hi].iter().rposition(|&b| b == b'\n') {
        Some(i) => buf_offset + (lo + i + 1) as u64,
        None if lo == 0 => buf_offset,
        None => pos,
    }
}

/// A text row: decoded leniently, tabs expanded, control characters escaped.
pub fn display_line(bytes: &[u8]) -> String {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    let mut col = 0usize;
    for c in text.chars() {
        if c == '\t' {
            let n = 8 - col % 8;
            out.extend(std::iter::repeat_n(' ', n));
            col += n;
        } else {
            let mut tmp = [0u8; 4];
            let s = crate::names::escape(c.encode_utf8(&mut tmp));
            col += s.chars().count();
            out.push_str(&s);
        }
    }
    out
}

/// `00000010  41 42 ...  |AB..|`
pub fn hex_row(offset: u64, bytes: &[u8], layout: HexLayout) -> String {
    let mut hex = String::with_capacity(layout.per_row * 3 + 1);
    for (i, b) in bytes.iter().enumerate() {
        if i == 8 {
            hex.push(' ');
        }
        hex.push_str(&format!("{b:02x} "));
    }
    if !layout.ascii {
        return format!("{offset:08x}  {}", hex.trim_end());
    }
    let ascii: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    let hex_w = hex_width(layout.per_row);
    format!("{offset:08x}  {hex:<hex_w$} |{ascii}|")
}

/// How many bytes a hex row holds, and whether the text column follows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HexLayout {
    pub per_row: usize,
    pub ascii: bool,
}

/// Columns of the hex part of a row of `per_row` bytes (a gap after the eighth).
fn hex_width(per_row: usize) -> usize {
    per_row * 3 + usize::from(per_row > 8)
}

/// The widest hex row that fits `width` columns whole: 16 bytes with their text, else 8
/// with or without it, else 4, 2 or 1 (a narrow quick view shows fewer bytes per row
/// rather than rows cut at its edge).
pub fn hex_layout_for(width: usize) -> HexLayout {
    let fits = |per_row: usize, ascii: bool| {
        let text = if ascii { 2 + per_row + 1 } else { 0 };
        10 + hex_width(per_row) + text <= width
    };
    [
        (16, true),
        (8, true),
        (8, false),
        (4, true),
        (4, false),
        (2, false),
    ]
    .into_iter()
    .find(|&(n, ascii)| fits(n, ascii))
    .map(|(per_row, ascii)| HexLayout { per_row, ascii })
    .unwrap_or(HexLayout {
        per_row: 1,
        ascii: false,
    })
}
