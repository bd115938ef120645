//! JSON from a NAS whose strings are not valid Unicode: a file name with bytes that are
//! not UTF-8 (written raw by the server) or a lone surrogate escape (`\ud800`). serde
//! refuses the whole document, which made one such name fail its whole folder; here the
//! document is repaired so those names read lossily (U+FFFD) and the rest lists.
//! Only tried after a parse failed, so a clean reply pays nothing.

use std::borrow::Cow;

/// `body` with invalid UTF-8 and lone surrogate escapes replaced by U+FFFD, or `None`
/// when it holds neither (its parse failure has another cause).
pub fn repair(body: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(body);
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
    fn bad_bytes_and_lone_surrogates_become_replacement_characters() {
        assert!(serde_json::from_slice::<serde_json::Value>(b"[\"a\xffb\"]").is_err());
        assert_eq!(names(b"[\"a\xffb\", \"ok\"]"), ["a\u{fffd}b", "ok"]);
        assert_eq!(
            names(br#"["x\ud800y", "\udc00", "\ud83d\ude00", "\\ud800"]"#),
            ["x\u{fffd}y", "\u{fffd}", "😀", "\\ud800"]
        );
    }

    #[test]
    fn clean_or_otherwise_broken_json_is_left_alone() {
        assert_eq!(repair(br#"["a\n", "\u00e9"]"#), None);
        assert_eq!(repair(b"{\"a\": "), None);
        assert_eq!(repair(b"\\"), None);
    }
}
