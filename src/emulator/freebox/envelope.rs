//! The Freebox OS reply envelope: `{"success":…,"result":…,"error_code":…,"msg":…}`,
//! written the way the box writes JSON (`/` escaped as `\/`), with the box's HTTP statuses.
//!
//! Auth-family errors are 403, unknown routes 404; the status of business errors
//! (`path_not_found`, `destination_conflict`…) is undocumented, so they are rendered with
//! a marker that a middleware turns into the configured status (default 200).

use std::io;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// serde_json formatter that escapes `/` as `\/`, like the box's JSON writer, and shows a
/// byte that is not UTF-8 as U+FFFD.
struct SlashEscaping;

impl serde_json::ser::Formatter for SlashEscaping {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // A name whose bytes are not UTF-8 reads lossily in JSON (the box writes valid
        // UTF-8 [L]); its base64 `path` keeps the bytes (docs/EMULATOR.md).
        let fragment = crate::undecodable::lossy(fragment);
        let mut parts = fragment.split('/');
        if let Some(first) = parts.next() {
            writer.write_all(first.as_bytes())?;
        }
        for part in parts {
            writer.write_all(b"\\/")?;
            writer.write_all(part.as_bytes())?;
        }
        Ok(())
    }
}

/// Serialises `value` as the box does.
pub fn to_box_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::with_formatter(&mut out, SlashEscaping);
    // Serialising plain data (Value, derive(Serialize) structs) into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(br#"{"success":false,"error_code":"internal_error"}"#);
    }
    out
}

/// A JSON reply with the box's content type.
pub fn json_reply<T: Serialize>(status: StatusCode, value: &T) -> Response {
    let mut resp = (status, to_box_json(value)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

/// `{"success":true,"result":…}`, written straight from `result` (no
/// `serde_json::Value` of it first: a listing page of 10 000 entries was copied twice
/// that way), in the box's key order.
pub fn ok<T: Serialize>(result: T) -> Response {
    #[derive(Serialize)]
    struct Success<T> {
        success: bool,
        result: T,
    }
    json_reply(
        StatusCode::OK,
        &Success {
            success: true,
            result,
        },
    )
}

/// `{"success":true}` — also what the box sends for an empty collection.
pub fn ok_empty() -> Response {
    json_reply(StatusCode::OK, &json!({"success": true}))
}

/// A list reply: the box omits `result` when the collection is empty.
pub fn ok_list(items: Vec<Value>) -> Response {
    if items.is_empty() {
        ok_empty()
    } else {
        ok(items)
    }
}

/// Marker on a business-error response; the status middleware rewrites its status.
#[derive(Clone, Copy, Debug)]
pub struct BusinessError;

/// Every error the emulator sends, as the box words it.
#[derive(Debug, Clone)]
pub struct FbxError {
    /// `None` for business errors, whose status is configurable.
    pub status: Option<StatusCode>,
    pub code: &'static str,
    pub msg: String,
    pub extra: Map<String, Value>,
}

pub const MSG_AUTH_REQUIRED: &str = "Vous devez vous connecter pour accéder à cette fonction";

impl FbxError {
    pub fn business(code: &'static str, msg: impl Into<String>) -> Self {
        FbxError {
            status: None,
            code,
            msg: msg.into(),
            extra: Map::new(),
        }
    }

    pub fn with_status(status: StatusCode, code: &'static str, msg: impl Into<String>) -> Self {
        FbxError {
            status: Some(status),
            ..Self::business(code, msg)
        }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_owned(), value);
        self
    }

    /// Unknown route under `/api/`.
    pub fn not_found_route() -> Self {
        Self::with_status(
            StatusCode::NOT_FOUND,
            "invalid_request",
            "Requête invalide (404)",
        )
    }

    pub fn invalid_request(msg: impl Into<String>) -> Self {
        Self::business("invalid_request", msg)
    }

    /// A body that is not the JSON the endpoint expects.
    pub fn bad_json() -> Self {
        Self::invalid_request("Requête invalide : impossible de parser le json")
    }

    pub fn path_not_found() -> Self {
        Self::business("path_not_found", "Le fichier n'existe pas")
    }

    pub fn access_denied() -> Self {
        Self::business("access_denied", "Accès refusé")
    }

    pub fn internal(msg: impl Into<String>) -> Self {
        Self::business("internal_error", msg)
    }

    pub fn auth_required(uid: &str) -> Self {
        Self::with_status(StatusCode::FORBIDDEN, "auth_required", MSG_AUTH_REQUIRED)
            .with("uid", Value::String(uid.to_owned()))
    }

    /// The error body as JSON (also used inside WebSocket replies).
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert("success".into(), Value::Bool(false));
        body.insert("error_code".into(), Value::String(self.code.into()));
        body.insert("msg".into(), Value::String(self.msg.clone()));
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        Value::Object(body)
    }
}

impl IntoResponse for FbxError {
    fn into_response(self) -> Response {
        let status = self.status.unwrap_or(StatusCode::OK);
        let mut resp = json_reply(status, &self.body());
        if self.status.is_none() {
            resp.extensions_mut().insert(BusinessError);
        }
        resp
    }
}

/// Parses a request body as JSON whatever its Content-Type (some clients send
/// `text/plain`), answering `invalid_request` like the box when it is not JSON.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, FbxError> {
    serde_json::from_slice(body).map_err(|_| FbxError::bad_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slashes_are_escaped_like_the_box() {
        let out = to_box_json(&json!({"mimetype": "inode/directory", "t": "a/b/"}));
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(r#""inode\/directory""#), "{text}");
        assert!(text.contains(r#""a\/b\/""#), "{text}");
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["t"], "a/b/");
    }
}
