//! Replies written the way QTS writes them: json-c's "spaced" format
//! (`{ "k": v, "k2": [ 1, 2 ] }`), `/` escaped as `\/`, keys in insertion order, a
//! trailing newline, and the status envelope
//! `{ "version": "…", "build": "…", "status": N, "success": "true" }`.
//! A tiny value type keeps key order and string-vs-number choices explicit per field.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// A JSON value in device order.
#[derive(Clone, Debug, PartialEq)]
pub enum J {
    Str(String),
    Int(i64),
    Arr(Vec<J>),
    Obj(Vec<(&'static str, J)>),
}

impl J {
    pub fn s(v: impl Into<String>) -> J {
        J::Str(v.into())
    }

    pub fn i(v: impl TryInto<i64>) -> J {
        J::Int(v.try_into().unwrap_or(i64::MAX))
    }

    /// Writes json-c's `JSON_C_TO_STRING_SPACED` form.
    pub fn write(&self, out: &mut String) {
        match self {
            J::Str(s) => write_str(s, out),
            J::Int(i) => out.push_str(&i.to_string()),
            J::Arr(items) => {
                out.push('[');
                for (n, v) in items.iter().enumerate() {
                    out.push_str(if n == 0 { " " } else { ", " });
                    v.write(out);
                }
                out.push_str(" ]");
            }
            J::Obj(fields) => {
                out.push('{');
                for (n, (k, v)) in fields.iter().enumerate() {
                    out.push_str(if n == 0 { " " } else { ", " });
                    write_str(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push_str(" }");
            }
        }
    }

    pub fn to_body(&self) -> String {
        let mut s = String::with_capacity(256);
        self.write(&mut s);
        s.push('\n');
        s
    }
}

/// json-c string escaping: `"`, `\`, `/` and control characters; UTF-8 passes through.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' => out.push_str("\\/"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON reply with the content type QTS 4.3+ uses. A name whose bytes are not UTF-8
/// goes out as those raw bytes, as json-c writes what the disk holds (docs/EMULATOR.md,
/// uncertain): a client must cope with a reply that is not valid UTF-8.
pub fn json(v: &J) -> Response {
    let body = v.to_body();
    let body = match crate::undecodable::raw_in_text(body.as_bytes()) {
        std::borrow::Cow::Borrowed(_) => body.into_bytes(),
        std::borrow::Cow::Owned(raw) => raw,
    };
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Status codes (QNAP's `WFM2_STATUS_TYPE`) the emulator answers with.
pub mod status {
    pub const FAIL: i64 = 0;
    pub const OK: i64 = 1;
    pub const EXISTS: i64 = 2;
    pub const AUTH_FAIL: i64 = 3;
    pub const PERMISSION: i64 = 4;
    pub const NOT_FOUND: i64 = 5;
    pub const OPEN_FAIL: i64 = 7;
    pub const QUOTA: i64 = 9;
    pub const ILLEGAL_NAME: i64 = 12;
    pub const RECYCLE_OFF: i64 = 16;
    pub const PARAMS: i64 = 20;
    pub const DEST_MISSING: i64 = 25;
    pub const NAME_TOO_LONG: i64 = 26;
    pub const NAME_DUP: i64 = 33;
}

/// What every handler returns: `Ok` a ready response (data reply, file, …), `Err(code)`
/// the status envelope with that code, success (1) included.
pub type Reply = Result<Response, i64>;

/// The status envelope of a QTS 5 box.
pub fn envelope(version: &str, build: &str, status: i64) -> J {
    J::Obj(vec![
        ("version", J::s(version)),
        ("build", J::s(build)),
        ("status", J::Int(status)),
        ("success", J::s("true")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_c_spacing_and_escapes() {
        let v = J::Obj(vec![
            ("id", J::s("/Public/\"x\"\n")),
            ("n", J::Int(2)),
            ("a", J::Arr(vec![J::Int(1), J::Obj(vec![])])),
            ("e", J::Arr(vec![])),
        ]);
        assert_eq!(
            v.to_body(),
            "{ \"id\": \"\\/Public\\/\\\"x\\\"\\n\", \"n\": 2, \"a\": [ 1, { } ], \"e\": [ ] }\n"
        );
        assert_eq!(
            envelope("5.5.6.5208", "20260310", 5).to_body(),
            "{ \"version\": \"5.5.6.5208\", \"build\": \"20260310\", \"status\": 5, \"success\": \"true\" }\n"
        );
    }
}
