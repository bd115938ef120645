//! JSON from a NAS whose strings are not valid Unicode: a file name with bytes that are
//! not UTF-8 (written raw by the server) or a lone surrogate escape (`\ud800`). serde
//! refuses the whole document, which made one such name fail its whole folder; here the
//! document is repaired so the rest lists and those names stay operable: each raw byte
//! becomes its [`crate::undecodable`] character (so a request names the same bytes back),
//! and so does a lone `\udc80`–`\udcff` (the way Python's `surrogateescape` writes a
//! byte). Any other lone surrogate reads as U+FFFD: it stands for no byte.
//! Only tried after a parse failed, so a clean reply pays nothing.

use std::borrow::Cow;

/// `body` with invalid UTF-8 and lone surrogate escapes replaced as the module says, or
/// `None` when it holds neither (its parse failure has another cause).
pub fn repair(body: &[u8]) -> Option<Vec<u8>> {
    let text = match std::str::from_utf8(body) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(raw_bytes_spelled(body)),
    };
    let mut changed = matches!(text, Cow::Owned(_));
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let unit = (bytes.get(i + 1) == Some(&b'u'))
            .then(|| hex4(bytes, i + 2))
            .flatten();
        match unit {
            Some(0xD800..=0xDBFF) => {
                let paired = bytes.get(i + 6) == Some(&b'\\')
                    && bytes.get(i + 7) == Some(&b'u')
                    && hex4(bytes, i + 8).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                if paired {
                    out.extend_from_slice(&bytes[i..i + 12]);
                    i += 12;
                } else {
                    out.extend_from_slice(b"\\ufffd");
                    changed = true;
                    i += 6;
                }
            }
            Some(unit @ 0xDC80..=0xDCFF) => {
                let byte = (unit - 0xDC00) as u8;
                let spelled = crate::undecodable::from_bytes(&[byte]).into_owned();
                out.extend_from_slice(spelled.as_bytes());
                changed = true;
                i += 6;
            }
            Some(0xDC00..=0xDFFF) => {
                out.extend_from_slice(b"\\ufffd");
                changed = true;
                i += 6;
            }
            Some(_) => {
                out.extend_from_slice(&bytes[i..i + 6]);
                i += 6;
            }
            // Any other escape is two bytes; copying them keeps `\\u` from being read
            // as the start of a `\u` escape.
            None => {
                out.extend_from_slice(&bytes[i..(i + 2).min(bytes.len())]);
                i += 2;
            }
        }
    }
    changed.then_some(out)
}

/// `body` as text, each byte that is not UTF-8 spelled as its [`crate::undecodable`]
/// character (valid text is kept as it is).
fn raw_bytes_spelled(body: &[u8]) -> String {
    let mut out = String::with_capacity(body.len() + 16);
    for chunk in body.utf8_chunks() {
        out.push_str(chunk.valid());
        out.push_str(&crate::undecodable::from_bytes(chunk.invalid()));
    }
    out
}

/// The four hex digits at `at`, as a number.
fn hex4(bytes: &[u8], at: usize) -> Option<u32> {
    let digits = bytes.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    u32::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(body: &[u8]) -> Vec<String> {
        let fixed = repair(body).expect("something to repair");
        let v: serde_json::Value = serde_json::from_slice(&fixed).unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn bad_bytes_keep_their_bytes_and_other_lone_surrogates_are_replaced() {
        use crate::undecodable::to_bytes;
        assert!(serde_json::from_slice::<serde_json::Value>(b"[\"a\xffb\"]").is_err());
        let got = names(b"[\"a\xffb\", \"ok\"]");
        assert_eq!(to_bytes(&got[0]).as_ref(), b"a\xffb");
        assert_eq!(got[1], "ok");
        let got = names(br#"["x\ud800y", "\udc00", "\ud83d\ude00", "\\ud800", "caf\udce9"]"#);
        assert_eq!(got[..4], ["x\u{fffd}y", "\u{fffd}", "😀", "\\ud800"]);
        assert_eq!(to_bytes(&got[4]).as_ref(), b"caf\xe9");
    }

    #[test]
    fn clean_or_otherwise_broken_json_is_left_alone() {
        assert_eq!(repair(br#"["a\n", "\u00e9"]"#), None);
        assert_eq!(repair(b"{\"a\": "), None);
        assert_eq!(repair(b"\\"), None);
    }
}
