//! Names that are not valid UTF-8, kept operable inside nascmd's `String`s.
//!
//! Linux names are bytes, and a NAS lists whatever its disks hold: a name written by an
//! old Samba client in Latin-1 (`caf\xe9.txt`) is not UTF-8. Shown lossily (`U+FFFD`)
//! such a name could never be fetched, deleted or renamed, because the server only knows
//! its bytes. Here every byte that is not part of valid UTF-8 becomes one character of a
//! reserved block of the Supplementary Private Use Area-B (`U+10FD80`–`U+10FDFF`, one per
//! byte `0x80`–`0xFF`; ASCII is always valid, so those 128 are enough), and the way back
//! turns each such character into its byte again. The mapping is a bijection: a valid
//! name that itself holds one of those characters has the character's four UTF-8 bytes
//! spelled as four reserved characters, so no two byte strings share a spelling.
//!
//! Where bytes meet a `String` (local `readdir`, the emulators' folders, a QNAP reply with
//! raw bytes, a Freebox base64 path) they go through [`from_bytes`]; where a `String`
//! becomes bytes again (a local path, a query string, a base64 path) through
//! [`to_bytes`]. On screen [`crate::names::escape`] shows such a character as `\xe9`,
//! and a name written to the local disk gets `_` there (a raw `0x9b` is CSI to a terminal
//! in an 8-bit locale).

use std::borrow::Cow;
use std::ffi::OsStr;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// The character standing for byte `0x80` (the block's first).
const BASE: u32 = 0x10FD00;
/// The reserved block, one character per byte `0x80..=0xFF`.
const FIRST: u32 = BASE + 0x80;
const LAST: u32 = BASE + 0xFF;

/// The byte a reserved character stands for, or `None` for any other character.
pub fn byte_of(c: char) -> Option<u8> {
    let c = c as u32;
    (FIRST..=LAST).contains(&c).then(|| (c - BASE) as u8)
}

/// The reserved character standing for `byte` (`0x80..=0xFF`).
fn char_of(byte: u8) -> char {
    debug_assert!(byte >= 0x80);
    char::from_u32(BASE + u32::from(byte)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Whether `s` holds any reserved character (so [`to_bytes`] would differ from UTF-8).
pub fn holds_raw_bytes(s: &str) -> bool {
    // Every reserved character starts with the byte F4 (`memchr` finds none quickly in
    // the names of a 100 000-entry folder); only then are characters decoded.
    s.as_bytes().contains(&0xF4) && s.chars().any(|c| byte_of(c).is_some())
}

/// Pushes `valid` (UTF-8) onto `out`, spelling any reserved character byte by byte.
fn push_valid(out: &mut String, valid: &str) {
    for c in valid.chars() {
        if byte_of(c).is_some() {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push(char_of(b));
            }
        } else {
            out.push(c);
        }
    }
}

/// The `String` spelling of a name's bytes. Borrowed when the bytes are UTF-8 holding no
/// reserved character (nearly always).
pub fn from_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes)
        && !holds_raw_bytes(s)
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        push_valid(&mut out, chunk.valid());
        for &b in chunk.invalid() {
            out.push(char_of(b));
        }
    }
    Cow::Owned(out)
}

/// The bytes a `String` spelling stands for: UTF-8, with each reserved character turned
/// back into its byte. Borrowed when there is none.
pub fn to_bytes(s: &str) -> Cow<'_, [u8]> {
    if !holds_raw_bytes(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match byte_of(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0u8; 4]).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// [`from_bytes`] for a name the OS gave.
pub fn from_os(name: &OsStr) -> Cow<'_, str> {
    from_bytes(name.as_bytes())
}

/// [`to_bytes`] as an OS name or path.
pub fn to_os(s: &str) -> Cow<'_, OsStr> {
    match to_bytes(s) {
        Cow::Borrowed(b) => Cow::Borrowed(OsStr::from_bytes(b)),
        Cow::Owned(v) => Cow::Owned(std::ffi::OsString::from_vec(v)),
    }
}

/// `s` with each reserved character shown as U+FFFD, for a peer that needs valid text
/// and cannot carry raw bytes (a JSON `name` field, a header).
pub fn lossy(s: &str) -> Cow<'_, str> {
    if !holds_raw_bytes(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if byte_of(c).is_some() {
                    char::REPLACEMENT_CHARACTER
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// Serialised JSON (or any UTF-8 text) with each reserved character's four bytes replaced
/// by the raw byte it stands for: what a server writing names as its disk holds them
/// sends. Borrowed when there is none.
pub fn raw_in_text(text: &[u8]) -> Cow<'_, [u8]> {
    // Every reserved character is encoded F4 8F B6|B7 xx.
    let marker = |w: &[u8]| w[0] == 0xF4 && w[1] == 0x8F && (w[2] == 0xB6 || w[2] == 0xB7);
    if !text.contains(&0xF4) || !text.windows(4).any(marker) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if let Some(w) = text.get(i..i + 4)
            && marker(w)
            && let Some(c) = std::str::from_utf8(w).ok().and_then(|s| s.chars().next())
            && let Some(b) = byte_of(c)
        {
            out.push(b);
            i += 4;
            continue;
        }
        out.push(text[i]);
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_utf8_round_trip() {
        for bytes in [
            &b"caf\xe9.txt"[..],
            b"bad\xff\xfeutf8.txt",
            b"\x80",
            b"\xe2\x82",
            b"plain.txt",
            "été".as_bytes(),
            // A valid name holding a reserved character keeps its own spelling.
            "x\u{10fd9b}y".as_bytes(),
            b"\xf4\x8f\xb6\x80",
        ] {
            let s = from_bytes(bytes);
            assert_eq!(to_bytes(&s).as_ref(), bytes, "{bytes:?}");
            assert_eq!(to_os(&s).as_bytes(), bytes);
        }
    }

    #[test]
    fn distinct_bytes_get_distinct_spellings() {
        let a = from_bytes("x\u{10fd9b}".as_bytes()).into_owned();
        let b = from_bytes(b"x\x9b").into_owned();
        assert_ne!(a, b);
        assert_eq!(to_bytes(&b).as_ref(), b"x\x9b");
    }

    #[test]
    fn utf8_names_are_borrowed_and_unchanged() {
        assert!(matches!(from_bytes(b"a b.txt"), Cow::Borrowed("a b.txt")));
        assert!(matches!(to_bytes("été"), Cow::Borrowed(_)));
        assert_eq!(lossy("ok"), "ok");
    }

    #[test]
    fn lossy_and_raw_text_forms() {
        let s = from_bytes(b"bad\xff.txt").into_owned();
        assert_eq!(lossy(&s), "bad\u{fffd}.txt");
        let json = serde_json::to_vec(&serde_json::json!({ "name": s })).unwrap();
        assert_eq!(raw_in_text(&json).as_ref(), b"{\"name\":\"bad\xff.txt\"}");
        assert!(matches!(raw_in_text(b"{\"a\":1}"), Cow::Borrowed(_)));
    }
}
