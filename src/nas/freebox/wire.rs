//! Serde shapes of the Freebox replies we read (§5, §7, §9). Lenient: every field the
//! box may leave out has a default, unknown fields are ignored.

use serde::Deserialize;
use serde_json::Value;

use crate::vfs::{Entry, EntryKind, VfsError, VfsResult};

/// One item of `fs/ls` or `fs/info`.
#[derive(Debug, Clone, Deserialize)]
pub struct FileInfo {
    #[serde(default)]
    pub path: String,
    pub name: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub size: i64,
    #[serde(default)]
    pub modification: Option<i64>,
}

impl FileInfo {
    pub fn is_dir(&self) -> bool {
        self.kind == "dir"
    }

    /// `.` and `..`, which every listing starts with unless `removeHidden` is set.
    pub fn is_dot_entry(&self) -> bool {
        self.name == "." || self.name == ".."
    }

    /// The entry's name as its bytes stand, when the box could only show it lossily: a
    /// name that is not UTF-8 reaches the JSON `name` with U+FFFD, but its base64 `path`
    /// holds the bytes (freebox.md §4: tokens are opaque bytes). Kept in its
    /// [`crate::undecodable`] spelling, the name is one the box finds again.
    fn raw_name(&self) -> Option<String> {
        if !self.name.contains(char::REPLACEMENT_CHARACTER) {
            return None;
        }
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&self.path)
            .ok()?;
        let last = bytes.rsplit(|&b| b == b'/').next()?;
        let spelled = crate::undecodable::from_bytes(last);
        crate::undecodable::holds_raw_bytes(&spelled).then(|| spelled.into_owned())
    }

    pub fn to_entry(&self) -> Entry {
        self.clone().into_entry()
    }

    /// [`FileInfo::to_entry`] keeping the name rather than copying it.
    pub fn into_entry(self) -> Entry {
        let is_dir = self.is_dir();
        let name = match self.raw_name() {
            Some(raw) => raw,
            None => self.name,
        };
        Entry {
            name,
            kind: if is_dir {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
            // Directories report the filesystem's block size; show files' sizes only.
            size: if is_dir { 0 } else { self.size.max(0) as u64 },
            mtime: self.modification.filter(|t| *t > 0),
            mode: None,
            readonly: false,
        }
    }
}

/// `fs/ls`: a bare array up to v14, `{entries, cursor}` from v15.
#[derive(Debug, Default)]
pub struct LsPage {
    pub entries: Vec<FileInfo>,
    pub cursor: Option<String>,
}

impl LsPage {
    pub fn from_result(result: Option<Value>) -> VfsResult<LsPage> {
        #[derive(Deserialize)]
        struct Paged {
            #[serde(default)]
            entries: Vec<FileInfo>,
            #[serde(default)]
            cursor: Option<String>,
        }
        let bad = |e: serde_json::Error| {
            VfsError::Protocol(format!(
                "unexpected fs/ls reply: {}",
                crate::names::escape(&e.to_string())
            ))
        };
        match result {
            None | Some(Value::Null) => Ok(LsPage::default()),
            Some(v @ Value::Array(_)) => Ok(LsPage {
                entries: serde_json::from_value(v).map_err(bad)?,
                cursor: None,
            }),
            Some(v) => {
                let p: Paged = serde_json::from_value(v).map_err(bad)?;
                Ok(LsPage {
                    entries: p.entries,
                    cursor: p.cursor.filter(|c| !c.is_empty()),
                })
            }
        }
    }
}

/// `fs/ls`'s `result` read straight into [`LsPage`] (either form), without a
/// `serde_json::Value` of the whole page first: a page of 10 000 entries is ~3 MB of
/// JSON, and building its `Value` and then converting it cost about as much again as
/// the parse itself (issue 14).
impl<'de> Deserialize<'de> for LsPage {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = LsPage;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an fs/ls result (an array, or {entries, cursor})")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<LsPage, E> {
                Ok(LsPage::default())
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<LsPage, E> {
                Ok(LsPage::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<LsPage, A::Error> {
                let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16_384));
                while let Some(e) = seq.next_element::<FileInfo>()? {
                    entries.push(e);
                }
                Ok(LsPage {
                    entries,
                    cursor: None,
                })
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<LsPage, A::Error> {
                let mut page = LsPage::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "entries" => {
                            page.entries = map
                                .next_value::<Option<Vec<FileInfo>>>()?
                                .unwrap_or_default()
                        }
                        "cursor" => {
                            page.cursor = map
                                .next_value::<Option<String>>()?
                                .filter(|c| !c.is_empty())
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(page)
            }
        }
        d.deserialize_any(Visit)
    }
}

impl LsPage {
    /// A successful `fs/ls` reply read from its bytes; `None` for anything else (a
    /// failure envelope, a name that is not valid Unicode, another shape), which the
    /// caller reads the general way (`envelope::parse`, [`LsPage::from_result`]) so its
    /// error or repair is exactly as before.
    pub fn from_reply(body: &[u8]) -> Option<LsPage> {
        #[derive(Deserialize)]
        struct Reply {
            success: bool,
            #[serde(default)]
            result: Option<LsPage>,
        }
        match serde_json::from_slice::<Reply>(body) {
            Ok(r) if r.success => Some(r.result.unwrap_or_default()),
            _ => None,
        }
    }
}

/// A file-system task (`fs/cp`, `fs/mv`, `fs/rm` …) as `fs/tasks/{id}` reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct FsTask {
    pub id: u64,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub nfiles: i64,
    #[serde(default)]
    pub nfiles_done: i64,
    #[serde(default)]
    pub total_bytes: i64,
    #[serde(default)]
    pub total_bytes_done: i64,
}

/// A share link as the box describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct ShareLinkWire {
    pub token: String,
    #[serde(default)]
    pub path: String,
    /// Unix seconds, 0 = never. Some firmwares send it as a string.
    #[serde(default, deserialize_with = "int_or_string")]
    pub expire: i64,
    #[serde(default)]
    pub fullurl: String,
}

fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| serde::de::Error::custom("expire is not an integer")),
        Value::String(s) if s.is_empty() => Ok(0),
        Value::String(s) => s.trim().parse().map_err(serde::de::Error::custom),
        Value::Null => Ok(0),
        _ => Err(serde::de::Error::custom("expire has an odd type")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lossy_name_takes_its_bytes_from_the_path_token() {
        // `/Disque dur/caf\xe9`, shown as `caf\u{fffd}` by the box.
        let body = r#"[{"type":"file","name":"caf\ufffd","path":"L0Rpc3F1ZSBkdXIvY2Fm6Q==","size":3},
 {"type":"file","name":"odd\ufffd","path":"L0Rpc3F1ZSBkdXIvb2Rk77+9","size":1}]"#;
        let page = LsPage::from_result(Some(serde_json::from_str(body).unwrap())).unwrap();
        let e = page.entries[0].to_entry();
        assert_eq!(crate::undecodable::to_bytes(&e.name).as_ref(), b"caf\xe9");
        // A real U+FFFD in the name (valid UTF-8 on disk) stays as it is.
        assert_eq!(page.entries[1].to_entry().name, "odd\u{fffd}");
    }

    #[test]
    fn v4_capture_parses_as_array() {
        let body = r#"[
 {"type":"dir","index":0,"link":false,"modification":1589376267,"hidden":true,"mimetype":"inode\/directory","name":".","path":"L0Rpc3F1ZSBkdXI=","size":4096},
 {"type":"dir","index":1,"link":false,"modification":1604672492,"hidden":true,"mimetype":"inode\/directory","name":"..","path":"Lw==","size":60},
 {"type":"dir","index":4,"link":false,"modification":1578480811,"hidden":false,"mimetype":"inode\/directory","name":"Photos","path":"L0Rpc3F1ZSBkdXIvUGhvdG9z","size":4096},
 {"type":"file","index":6,"link":false,"modification":1592215611,"hidden":false,"mimetype":"text\/plain","name":"a.txt","path":"L0Rpc3F1ZSBkdXIvYS50eHQ=","size":4263916608}]"#;
        let page = LsPage::from_result(Some(serde_json::from_str(body).unwrap())).unwrap();
        assert_eq!(page.entries.len(), 4);
        assert!(page.entries[0].is_dot_entry() && page.entries[1].is_dot_entry());
        let photos = page.entries[2].to_entry();
        assert_eq!((photos.kind, photos.size), (EntryKind::Dir, 0));
        let a = page.entries[3].to_entry();
        assert_eq!(
            (a.kind, a.size, a.mtime),
            (EntryKind::File, 4263916608, Some(1592215611))
        );
        assert!(page.cursor.is_none());
    }

    #[test]
    fn v15_object_and_empty_replies() {
        let body = r#"{"entries":[{"type":"file","name":"a.txt","path":"x","size":10}],"cursor":"eyJvZmZzZXQiOjJ9"}"#;
        let page = LsPage::from_result(Some(serde_json::from_str(body).unwrap())).unwrap();
        assert_eq!(page.entries.len(), 1);
        assert_eq!(page.cursor.as_deref(), Some("eyJvZmZzZXQiOjJ9"));
        let last = LsPage::from_result(Some(
            serde_json::from_str(r#"{"entries":[],"cursor":""}"#).unwrap(),
        ))
        .unwrap();
        assert!(last.cursor.is_none());
        assert!(LsPage::from_result(None).unwrap().entries.is_empty());
        assert!(LsPage::from_result(Some(Value::String("x".into()))).is_err());
    }

    #[test]
    fn a_reply_read_from_its_bytes_is_the_page_read_through_the_envelope() {
        let entries = r#"[{"type":"dir","name":".","path":"L0Rpc3F1ZSBkdXI=","size":4096,"mimetype":"inode/directory","index":0},
 {"type":"file","name":"caf\ufffd","path":"L0Rpc3F1ZSBkdXIvY2Fm6Q==","size":3,"modification":1592215611,"hidden":false}]"#;
        for result in [
            entries.to_owned(),
            format!(r#"{{"cursor":"eyJvZmZzZXQiOjJ9","entries":{entries}}}"#),
            format!(r#"{{"entries":{entries},"cursor":"","more":[1,{{"a":null}}]}}"#),
            r#"{"entries":[]}"#.to_owned(),
        ] {
            let body = format!(r#"{{"success":true,"result":{result}}}"#);
            let fast = LsPage::from_reply(body.as_bytes()).expect(&body);
            let slow = LsPage::from_result(Some(serde_json::from_str(&result).unwrap())).unwrap();
            let entries = |p: &LsPage| p.entries.iter().map(FileInfo::to_entry).collect::<Vec<_>>();
            assert_eq!(entries(&fast), entries(&slow), "{body}");
            assert_eq!(fast.cursor, slow.cursor, "{body}");
        }
        // An omitted result is an empty folder.
        assert!(
            LsPage::from_reply(br#"{"success":true}"#)
                .unwrap()
                .entries
                .is_empty()
        );
        // Everything else goes the general way, for its error or its repair.
        for other in [
            &br#"{"success":false,"error_code":"auth_required","msg":"x"}"#[..],
            br#"{"success":true,"result":"x"}"#,
            b"{\"success\":true,\"result\":[{\"name\":\"caf\xe9\",\"type\":\"file\"}]}",
            b"<html>",
            br#"{"success":true,"result":{"entries":[{"name":"a"#,
        ] {
            assert!(
                LsPage::from_reply(other).is_none(),
                "{}",
                String::from_utf8_lossy(other)
            );
        }
    }

    #[test]
    fn real_task_and_share_link_parse() {
        let t: FsTask = serde_json::from_str(r#"{"curr_bytes_done":525300000,"total_bytes":525300000,"nfiles_done":1,"started_ts":1672827912,
 "duration":407,"done_ts":1672828319,"src":["/FBX24T/dl/vm1/vm13/nba500m1.7z"],"curr_bytes":525300000,
 "type":"archive","to":"/FBX24T/dl/vm1/vm13/nba500m1.7z","id":329,"nfiles":1,"created_ts":1672827912,
 "state":"done","total_bytes_done":525300000,"rate":0,"from":"/FBX24T/dl/vm1/vm13/delta-opensuze-ZN89.qcow2",
 "dst":"/FBX24T/dl/vm1/vm13/delta-opensuze-ZN89.qcow2","eta":0,"error":"none","progress":100}"#).unwrap();
        assert_eq!(
            (t.id, t.state.as_str(), t.error.as_str()),
            (329, "done", "none")
        );
        assert_eq!((t.total_bytes, t.nfiles_done), (525300000, 1));
        let l: ShareLinkWire = serde_json::from_str(r#"{"path":"L0ZCWDI0VC9kbC92bTAvZGVsdGEtMTBHLTUudGFyLmd6","token":"UQttle1mcziV2b9f",
 "name":"delta-10G-5.tar.gz","expire":1704704400,
 "fullurl":"https://fbx.my-public-domain.net:4011/share/UQttle1mcziV2b9f/delta-10G-5.tar.gz","internal":0}"#).unwrap();
        assert_eq!(l.expire, 1704704400);
        let s: ShareLinkWire =
            serde_json::from_str(r#"{"token":"a","expire":"1702198800","fullurl":""}"#).unwrap();
        assert_eq!(s.expire, 1702198800);
    }
}
