//! Names are data: anything shown on the terminal goes through [`escape`], so a file
//! called `\x1b[2J` or one with a newline cannot repaint or scroll the screen.

use std::borrow::Cow;

/// Returns `s` with control characters (C0, DEL, C1) and the Unicode bidi overrides
/// replaced by visible escapes (`\x1b`, `\n`, `\u{202e}`). Borrowed when nothing needed it.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs_escape(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x100 => out.push_str(&format!("\\x{:02x}", c as u32)),
                // A byte that is not UTF-8, shown as the byte it is.
                c => match crate::undecodable::byte_of(c) {
                    Some(b) => out.push_str(&format!("\\x{b:02x}")),
                    None => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
                },
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a character could act on a terminal that prints it: C0, DEL, C1 and the bidi
/// overrides, and a byte that is not UTF-8 ([`crate::undecodable`]: raw `0x9b` is CSI to
/// a terminal in an 8-bit locale). Shared by [`escape`] and by the CLI's JSON output.
pub fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || crate::undecodable::byte_of(c).is_some()
}

/// The character put in place of each one that could act on a terminal in a name
/// written to the local disk (see [`terminal_safe_name`]).
pub const NAME_REPLACEMENT: char = '_';

/// `name` with every character that could act on a terminal (C0, DEL, C1, bidi
/// overrides and isolates: [`needs_escape`]) replaced by `_`, for a file written to the
/// local disk: a later plain `ls` in the user's own terminal must not replay an escape
/// sequence a server put in a name. `_` rather than U+FFFD: it types on any keyboard.
/// Borrowed when nothing needed it.
pub fn terminal_safe_name(name: &str) -> Cow<'_, str> {
    if !name.chars().any(needs_escape) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .map(|c| if needs_escape(c) { NAME_REPLACEMENT } else { c })
            .collect(),
    )
}

/// `s` cut to at most `max` characters by taking out its middle (`head…tail`), so a
/// 20 000-byte name still reads as one line of a message. Borrowed when short enough.
pub fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    let count = s.chars().count();
    if count <= max {
        return Cow::Borrowed(s);
    }
    let keep = max.saturating_sub(1);
    let head: String = s.chars().take(keep - keep / 2).collect();
    let tail: String = s.chars().skip(count - keep / 2).collect();
    Cow::Owned(format!("{head}…{tail}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_from_the_middle_on_character_boundaries() {
        assert_eq!(shorten("short", 10), "short");
        let long = format!("é{}z", "a".repeat(20_000));
        let cut = shorten(&long, 9);
        assert_eq!(cut, "éaaa…aaaz");
        assert_eq!(cut.chars().count(), 9);
    }

    #[test]
    fn local_names_lose_what_acts_on_a_terminal() {
        assert_eq!(terminal_safe_name("plain é.txt"), "plain é.txt");
        assert_eq!(
            terminal_safe_name("a\x1b]0;t\x07b\u{9b}c\u{202e}d\u{2066}e\tf"),
            "a_]0;t_b_c_d_e_f"
        );
    }

    #[test]
    fn escapes_controls_only() {
        assert_eq!(escape("plain é ✓"), "plain é ✓");
        assert_eq!(escape("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(escape("l1\nl2\t"), "l1\\nl2\\t");
        assert_eq!(escape("\u{9b}x"), "\\x9bx");
        assert_eq!(escape("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
    }

    #[test]
    fn bytes_that_are_not_utf8_show_as_bytes_and_leave_local_names() {
        let name = crate::undecodable::from_bytes(b"caf\xe9\x9b.txt");
        assert_eq!(escape(&name), "caf\\xe9\\x9b.txt");
        assert_eq!(terminal_safe_name(&name), "caf__.txt");
    }
}
