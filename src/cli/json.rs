//! JSON lines for `--json` output. serde_json escapes C0 controls but writes C1 controls
//! (U+009B is a one-byte CSI to many terminals), DEL and bidi overrides as they are, so a
//! name made to hurt would act on the terminal of whoever looks at the output. Here
//! every such character becomes a `\uXXXX` escape: still valid JSON, and the same string
//! once parsed.

use std::io::Write;

use serde::Serialize;

/// Writes `value` as one line of JSON with terminal-acting characters escaped.
pub fn write_line(out: &mut impl Write, value: &impl Serialize) -> anyhow::Result<()> {
    let text = serde_json::to_string(value)?;
    out.write_all(terminal_safe(&text).as_bytes())?;
    writeln!(out)?;
    Ok(())
}

/// Such characters can only stand inside JSON strings (never in its syntax), so they are
/// replaced wherever they are.
fn terminal_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if crate::undecodable::byte_of(c).is_some() {
            // A byte that is not UTF-8 has no JSON spelling every parser takes (`ls`
            // adds `name_base64` beside the name).
            out.push_str("\\ufffd");
        } else if crate::names::needs_escape(c) {
            // serde_json already wrote C0 controls as escapes; these are the rest, all in
            // the Basic Multilingual Plane, so one \u escape each.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c1_del_and_bidi_are_escaped_and_parse_back() {
        let name = "a\u{9b}2Jb\u{7f}c\u{202e}gpj.exe\x1b";
        let mut out = Vec::new();
        write_line(&mut out, &serde_json::json!({ "name": name })).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.trim_end().chars().any(crate::names::needs_escape),
            "{text:?}"
        );
        assert!(text.contains("\\u009b") && text.contains("\\u202e") && text.contains("\\u007f"));
        let back: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(back["name"], name);
    }
}
