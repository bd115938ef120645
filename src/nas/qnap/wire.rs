//! The shapes File Station really sends (qnap.md Part B): numbers as strings or as
//! numbers, `success` as a string, no `status` on data replies, `\/` escapes, bare
//! arrays from `get_tree`; and the one place that turns a status code into a
//! [`VfsError`] and decides whether it is worth retrying.

use serde::de::{self, DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::vfs::{ServerCode, VfsError};

/// A JSON number, a string holding one (`"4096"`, `4096`, `""`) or a bool, read as
/// an i64 (`None` for null or a string that is no number). A visitor rather than an
/// `#[serde(untagged)]` enum: untagged buffers every value before trying each variant,
/// which showed in the parse of 100 000-entry listings.
struct FlexI64;

impl<'de> Visitor<'de> for FlexI64 {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a number, a string holding one, a bool or null")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(i64::try_from(v).ok())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v as i64))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.trim().parse().ok())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v as i64))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// The same shapes read as text (`privilege`: `"755"` or `755`).
struct FlexText;

impl<'de> Visitor<'de> for FlexText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a string, a number, a bool or null")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

fn flex_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_option(FlexI64)
}

fn flex_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(flex_i64(d)?
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(0))
}

/// A string that some firmware sends as a number (`privilege`).
fn flex_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(FlexText)
}

/// One item of `get_list`, `stat` or `search`.
#[derive(Debug, Deserialize, Clone)]
pub struct FileEntry {
    #[serde(default)]
    pub filename: String,
    #[serde(default, deserialize_with = "flex_i64")]
    pub isfolder: Option<i64>,
    #[serde(default, deserialize_with = "flex_u64")]
    pub filesize: u64,
    #[serde(default, deserialize_with = "flex_i64")]
    pub epochmt: Option<i64>,
    #[serde(default, deserialize_with = "flex_string")]
    pub privilege: Option<String>,
    /// `stat` of a missing name answers an entry with `exist: 0`.
    #[serde(default, deserialize_with = "flex_i64")]
    pub exist: Option<i64>,
}

impl FileEntry {
    pub fn is_folder(&self) -> bool {
        self.isfolder == Some(1)
    }
    pub fn exists(&self) -> bool {
        self.exist != Some(0)
    }
    /// `privilege` is a 3-digit octal string.
    pub fn mode(&self) -> Option<u32> {
        self.privilege
            .as_deref()
            .and_then(|p| u32::from_str_radix(p.trim(), 8).ok())
    }
}

/// The `get_list` / `stat` / `search` reply.
#[derive(Debug, Deserialize)]
pub struct ListReply {
    /// Absent on a data reply; an error envelope has it (and nothing else we read).
    #[serde(default, deserialize_with = "flex_i64")]
    pub status: Option<i64>,
    #[serde(default, deserialize_with = "flex_u64")]
    pub total: u64,
    /// 7 read/write, 4 read only, 0 deny (JUE); other values seen in the wild.
    #[serde(default, deserialize_with = "flex_i64")]
    pub acl: Option<i64>,
    #[serde(default)]
    pub datas: Vec<FileEntry>,
}

/// One element of `get_tree`'s bare array.
#[derive(Debug, Deserialize)]
pub struct TreeNode {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub text: String,
    /// `w` read-write, `r` read-only.
    #[serde(default)]
    pub cls: Option<String>,
}

/// `get_copy_status` / `get_move_status`.
#[derive(Debug, Deserialize, Default)]
pub struct TaskStatus {
    #[serde(default, deserialize_with = "flex_u64")]
    pub the_num: u64,
    #[serde(default, deserialize_with = "flex_u64")]
    pub files: u64,
    #[serde(default, deserialize_with = "flex_i64")]
    pub percent: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub copying: Option<i64>,
}

/// `{"status":1,"pid":N}` of copy/move.
#[derive(Debug, Deserialize)]
pub struct PidReply {
    #[serde(default, deserialize_with = "flex_i64")]
    pub pid: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct LinkItem {
    #[serde(default)]
    pub link_url: String,
}

/// `get_share_link` reply.
#[derive(Debug, Deserialize)]
pub struct ShareLinkReply {
    #[serde(default)]
    pub ssid: Option<String>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub expire_time: Option<i64>,
    #[serde(default)]
    pub links: Vec<LinkItem>,
}

/// One row of `get_share_list`.
#[derive(Debug, Deserialize)]
pub struct SharedItem {
    #[serde(default)]
    pub ssid: String,
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub download_link: String,
    #[serde(default, deserialize_with = "flex_i64")]
    pub expire_time: Option<i64>,
    #[serde(default, deserialize_with = "flex_string")]
    pub access_code: Option<String>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub download_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct ShareListReply {
    #[serde(default, deserialize_with = "flex_u64")]
    pub total: u64,
    #[serde(default)]
    pub datas: Vec<SharedItem>,
}

/// `get_disk_info`: sizes in KiB.
#[derive(Debug, Deserialize)]
pub struct DiskInfo {
    #[serde(default, deserialize_with = "flex_i64")]
    pub free_size: Option<i64>,
    #[serde(default, deserialize_with = "flex_i64")]
    pub used_size: Option<i64>,
}

/// Parses a utilRequest body as JSON, refusing what is not JSON with a clear message:
/// an HTML page (411, login page, proxy error), an empty body, a truncated body.
pub fn parse_json(body: &[u8]) -> Result<Value, VfsError> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| body[i]) {
        None => return Err(VfsError::Protocol("the NAS sent an empty reply".into())),
        Some(b'{') | Some(b'[') => {}
        Some(b'<') => {
            return Err(VfsError::Protocol(
                "the NAS sent an HTML/XML page where JSON was expected".into(),
            ));
        }
        Some(_) => {
            return Err(VfsError::Protocol(
                "the NAS sent something that is not JSON".into(),
            ));
        }
    }
    let parsed =
        serde_json::from_slice(body).or_else(|e| match crate::nas::lossy_json::repair(body) {
            Some(fixed) => serde_json::from_slice(&fixed),
            None => Err(e),
        });
    parsed.map_err(|e| {
        if e.is_eof() {
            VfsError::Protocol("the NAS reply was cut off (truncated JSON)".into())
        } else {
            VfsError::Protocol(format!("malformed JSON from the NAS: {e}"))
        }
    })
}

/// [`parse_json`] for a reply read off the wire: a JSON document that ends midway
/// broke off on the way, which is transient (`Network`, like a dropped connection), so
/// the caller's retry layer sends the request again.
pub fn parse_reply(body: &[u8]) -> Result<Value, VfsError> {
    parse_json(body).map_err(|e| {
        let cut_off = serde_json::from_slice::<Value>(body).is_err_and(|j| j.is_eof());
        if cut_off {
            VfsError::Network("the NAS reply was cut off (truncated JSON)".into())
        } else {
            e
        }
    })
}

/// A `get_list`/`stat`/`search` body read straight into [`ListReply`] (no
/// `serde_json::Value` in between: a 5 000-entry page is ~3 MB of JSON), with the same
/// refusals as [`parse_reply`] (HTML, empty, cut off = `Network`) and the status check.
pub fn parse_list_reply(body: &[u8], what: &str) -> Result<ListReply, VfsError> {
    let parsed = serde_json::from_slice::<ListReply>(body).or_else(|e| {
        // A name that is not valid Unicode must not fail the whole folder.
        match crate::nas::lossy_json::repair(body) {
            Some(fixed) => serde_json::from_slice::<ListReply>(&fixed),
            None => Err(e),
        }
    });
    match parsed {
        Ok(reply) => match reply.status {
            None | Some(1) => Ok(reply),
            Some(code) => Err(status_error(code, what)),
        },
        // Not the expected object: let the general path say what it is (HTML, empty,
        // cut off, another shape).
        Err(_) => {
            let value = parse_reply(body)?;
            check_status(&value, what)?;
            decode(value, what)
        }
    }
}

/// The `status` of a reply, if it has one (absent on data replies = success).
pub fn status_of(v: &Value) -> Option<i64> {
    let s = v.as_object()?.get("status")?;
    match s {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Decodes a reply into `T` after the status check.
pub fn decode<T: DeserializeOwned>(v: Value, what: &str) -> Result<T, VfsError> {
    serde_json::from_value(v)
        .map_err(|e| VfsError::Protocol(format!("unexpected shape of the {what} reply: {e}")))
}

/// What to do after a failed request (like rclone's `shouldRetry`).
#[derive(Debug, PartialEq, Eq)]
pub enum Retry {
    /// The session is gone: log in again, then repeat the request once.
    Relogin,
    /// A moment later the same request may succeed (network, 5xx, NAS busy).
    Later,
    /// Final.
    Never,
}

pub fn should_retry(err: &VfsError) -> Retry {
    match err {
        VfsError::SessionExpired => Retry::Relogin,
        VfsError::Network(_) => Retry::Later,
        VfsError::Server { code, .. } if code.is_server_failure() => Retry::Later,
        _ => Retry::Never,
    }
}

/// Maps a File Station status code (qnap.md A.2) to an error about `what`.
pub fn status_error(code: i64, what: &str) -> VfsError {
    let what = crate::names::escape(what).into_owned();
    let server = |message: &str| VfsError::Server {
        code: ServerCode::Status(code),
        message: format!("{message}: {what}"),
    };
    match code {
        2 | 33 => VfsError::AlreadyExists(what),
        3 => VfsError::SessionExpired,
        4 => VfsError::PermissionDenied(what),
        10 => VfsError::PermissionDenied(format!("cannot read the source: {what}")),
        11 => VfsError::PermissionDenied(format!("cannot write the destination: {what}")),
        5 => VfsError::NotFound(what),
        25 => VfsError::NotFound(format!("destination folder of {what}")),
        9 => VfsError::NoSpace,
        12 => VfsError::InvalidName(what),
        26 => VfsError::InvalidName(format!("{what} (name too long)")),
        27 => VfsError::PermissionDenied(format!("{what} (encrypted or locked share)")),
        0 => server("the NAS reported a failure"),
        7 => server("file I/O error on the NAS"),
        8 => server("File Station is disabled on the NAS"),
        // 19: database busy, 28: preparing. Transient by kind (`ServerCode::Busy`).
        19 | 28 => VfsError::Server {
            code: ServerCode::Busy(code),
            message: format!("the NAS is busy, try again: {what}"),
        },
        20 => server("the NAS rejected the request parameters"),
        34 => server("more than 1000 search results; narrow the search"),
        _ => server("File Station error"),
    }
}

/// Checks the `status` of a reply: absent or 1 is success.
pub fn check_status(v: &Value, what: &str) -> Result<(), VfsError> {
    match status_of(v) {
        None | Some(1) => Ok(()),
        Some(code) => Err(status_error(code, what)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = include_str!("../../../tests/fixtures/qnap/files-share.json");
    const SHARES: &str = include_str!("../../../tests/fixtures/qnap/shares.json");

    #[test]
    fn parses_real_get_list_capture() {
        let v = parse_json(LIST.as_bytes()).unwrap();
        check_status(&v, "list").unwrap();
        let r: ListReply = decode(v, "get_list").unwrap();
        assert_eq!(r.total, 4);
        assert_eq!(r.datas.len(), 4);
        let files = &r.datas[2];
        assert_eq!(files.filename, "files");
        assert!(files.is_folder() && files.exists());
        assert_eq!(files.filesize, 4096);
        assert_eq!(files.epochmt, Some(1747820738));
        assert_eq!(files.mode(), Some(0o777));
    }

    #[test]
    fn parses_real_get_tree_capture() {
        let v = parse_json(SHARES.as_bytes()).unwrap();
        check_status(&v, "tree").unwrap();
        let nodes: Vec<TreeNode> = decode(v, "get_tree").unwrap();
        assert_eq!(nodes.len(), 2);
        assert_eq!(nodes[1].id, "/Public"); // `\/` unescaped
        assert_eq!(nodes[1].cls.as_deref(), Some("w"));
    }

    #[test]
    fn quirky_numbers_and_missing_fields() {
        let v = parse_json(
            br#"{ "total": "2", "datas": [ { "filename": "a", "isfolder": "0", "filesize": 10, "epochmt": "1700000000", "privilege": 644, "exist": "0" }, { "filename": "b", "filesize": "" } ] }"#,
        )
        .unwrap();
        let r: ListReply = decode(v, "x").unwrap();
        assert_eq!(r.total, 2);
        assert_eq!(r.datas[0].filesize, 10);
        assert_eq!(r.datas[0].epochmt, Some(1_700_000_000));
        assert_eq!(r.datas[0].mode(), Some(0o644));
        assert!(!r.datas[0].exists());
        assert!(r.datas[1].exists() && !r.datas[1].is_folder());
        assert_eq!(r.datas[1].filesize, 0);
        let t: TaskStatus = decode(
            parse_json(br#"{"status":1,"the_num":"3","filename":"dir\/x","filesize":"1048576","files":"10","percent":42,"copying":1}"#).unwrap(),
            "x",
        )
        .unwrap();
        assert_eq!((t.the_num, t.files, t.percent), (3, 10, Some(42)));
    }

    #[test]
    fn envelopes_and_status_codes() {
        let v = parse_json(
            b"{ \"version\": \"5.5.6.5208\", \"build\": \"20260310\", \"status\": 5, \"success\": \"true\" }\n",
        )
        .unwrap();
        assert!(matches!(check_status(&v, "/x"), Err(VfsError::NotFound(_))));
        let v = parse_json(br#"{"status": "3", "success": "true"}"#).unwrap();
        let e = check_status(&v, "x").unwrap_err();
        assert_eq!(should_retry(&e), Retry::Relogin);
        let v = parse_json(br#"{"status":1,"pid":12345}"#).unwrap();
        check_status(&v, "x").unwrap();
        assert_eq!(decode::<PidReply>(v, "x").unwrap().pid, Some(12345));
        assert!(matches!(status_error(33, "d"), VfsError::AlreadyExists(_)));
        assert!(matches!(status_error(2, "d"), VfsError::AlreadyExists(_)));
        assert!(matches!(status_error(9, "d"), VfsError::NoSpace));
        assert!(matches!(status_error(12, "d"), VfsError::InvalidName(_)));
        assert!(matches!(
            status_error(11, "d"),
            VfsError::PermissionDenied(_)
        ));
        assert_eq!(should_retry(&status_error(19, "d")), Retry::Later);
        assert!(status_error(28, "d").is_transient());
        assert_eq!(should_retry(&status_error(20, "d")), Retry::Never);
        assert_eq!(should_retry(&status_error(4, "d")), Retry::Never);
        // An escape sequence in a name never reaches the message raw.
        assert!(!status_error(0, "a\x1b[2J").to_string().contains('\x1b'));
    }

    #[test]
    fn non_json_bodies_are_protocol_errors() {
        for body in [
            &b""[..],
            b"   \n",
            b"<html><body>411 Length Required</body></html>",
            b"garbage",
            b"{ \"total\": 3, \"datas\": [ { \"filename\": \"a",
        ] {
            assert!(
                matches!(parse_json(body), Err(VfsError::Protocol(_))),
                "{body:?}"
            );
        }
        let e = parse_json(b"{\"total\": 1, \"datas\": [").unwrap_err();
        assert!(e.to_string().contains("cut off"));
    }

    #[test]
    fn a_reply_cut_off_on_the_way_is_transient() {
        let cut = parse_reply(b"{\"total\": 1, \"datas\": [").unwrap_err();
        assert!(cut.is_transient(), "{cut:?}");
        let html = parse_reply(b"<html></html>").unwrap_err();
        assert!(matches!(html, VfsError::Protocol(_)), "{html:?}");
        assert!(parse_reply(b"{\"status\": 1}").is_ok());
    }
}
