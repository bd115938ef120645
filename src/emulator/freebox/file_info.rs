//! The `FileInfo` object of `fs/ls` and `fs/info` (freebox.md §5.1), as a struct written
//! straight into the reply: a `serde_json::Value` per entry (a `BTreeMap`, a `String` per
//! key) was most of the emulator's cost for a page of 10 000 entries (issue 14). The
//! fields are written in the order of the real 2020 `fs/ls` capture (`type`, `index`,
//! `link`, `modification`, `hidden`, `mimetype`, `name`, `path`, `size`); the optional
//! ones follow, only when they are present.

use std::borrow::Cow;

use serde::Serialize;

use super::paths::encode_clear;
use crate::emulator::confined::{Metadata, MetadataExt};

/// One `FileInfo`. `name` borrows from the listing it was built from where it can.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct FileInfo<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub index: usize,
    pub link: bool,
    pub modification: i64,
    pub hidden: bool,
    pub mimetype: &'static str,
    pub name: Cow<'a, str>,
    pub path: String,
    pub size: u64,
    /// A link's target (base64), when it stays inside the root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Folders only, with `countSubFolder`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foldercount: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filecount: Option<u64>,
    /// `fs/info` only: the parent's base64 path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
}

/// The MIME type the box would report for a file name.
pub fn mimetype_of(name: &str) -> &'static str {
    mime_guess::from_path(name)
        .first_raw()
        .unwrap_or("application/octet-stream")
}

impl<'a> FileInfo<'a> {
    /// A folder; `hidden` is a leading dot (the dot entries set it themselves).
    pub fn dir(name: impl Into<Cow<'a, str>>, path: String, size: u64, modification: i64) -> Self {
        let name = name.into();
        FileInfo {
            kind: "dir",
            index: 0,
            link: false,
            modification,
            hidden: name.starts_with('.'),
            mimetype: "inode/directory",
            name,
            path,
            size,
            target: None,
            foldercount: None,
            filecount: None,
            parent: None,
        }
    }

    /// A folder or file named `name` at the clear path whose base64 is `path`, from its
    /// metadata (a link's: what it leads to).
    pub fn of_meta(name: impl Into<Cow<'a, str>>, path: String, meta: &Metadata) -> Self {
        let name = name.into();
        if meta.is_dir() {
            return FileInfo::dir(name, path, meta.size(), meta.mtime());
        }
        FileInfo {
            kind: "file",
            mimetype: mimetype_of(&name),
            size: meta.size(),
            ..FileInfo::dir(name, path, 0, meta.mtime())
        }
    }

    pub fn is_dir(&self) -> bool {
        self.kind == "dir"
    }

    /// The same entry owning its name.
    pub fn into_owned(self) -> FileInfo<'static> {
        FileInfo {
            name: Cow::Owned(self.name.into_owned()),
            ..self
        }
    }
}

/// The base64 path of `name` in the folder whose clear path is `dir`, built in `buf` (one
/// buffer for a whole page: the only allocation is the token itself).
pub fn child_token(buf: &mut String, dir: &str, name: &str) -> String {
    buf.clear();
    buf.push_str(dir);
    buf.push('/');
    buf.push_str(name);
    encode_clear(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_info_is_written_with_the_keys_of_the_real_capture_in_its_order() {
        let mut f = FileInfo::dir(
            "Photos",
            "L0Rpc3F1ZSBkdXIvUGhvdG9z".into(),
            4096,
            1578480811,
        );
        f.index = 4;
        let out = String::from_utf8(super::super::envelope::to_box_json(&f)).unwrap();
        assert_eq!(
            out,
            r#"{"type":"dir","index":4,"link":false,"modification":1578480811,"hidden":false,"mimetype":"inode\/directory","name":"Photos","path":"L0Rpc3F1ZSBkdXIvUGhvdG9z","size":4096}"#
        );
        f.foldercount = Some(1);
        f.filecount = Some(2);
        let v: serde_json::Value =
            serde_json::from_slice(&super::super::envelope::to_box_json(&f)).unwrap();
        assert_eq!(
            (v["foldercount"].as_u64(), v["filecount"].as_u64()),
            (Some(1), Some(2))
        );
        assert!(v.get("target").is_none() && v.get("parent").is_none());
    }

    #[test]
    fn a_token_is_the_base64_of_the_clear_child_path() {
        let mut buf = String::new();
        assert_eq!(
            child_token(&mut buf, "/Disque dur", "Photos"),
            "L0Rpc3F1ZSBkdXIvUGhvdG9z"
        );
        assert_eq!(
            child_token(&mut buf, "/Disque dur", "a.txt"),
            "L0Rpc3F1ZSBkdXIvYS50eHQ="
        );
        assert_eq!(mimetype_of("a.txt"), "text/plain");
        assert_eq!(mimetype_of("noext"), "application/octet-stream");
    }
}
