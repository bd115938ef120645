//! Path and query-string details: splitting a [`VPath`] into the (folder, name) pairs
//! File Station wants, mapping the on-disk paths that `search` and `get_share_list`
//! return back to share paths, and percent-encoding a query string with `%20` for a
//! space (qnap.md A.0: `+` is not a space in the query on every firmware).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};

use crate::vfs::{VPath, VfsError, VfsResult};

const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `k=v&k=v…` with every reserved byte percent-encoded (space → `%20`). A name's bytes
/// that are not UTF-8 go as those bytes ([`crate::undecodable`]), as the NAS holds them.
pub fn encode_query<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.extend(percent_encode(k.as_ref().as_bytes(), QUERY_VALUE));
        out.push('=');
        let value = crate::undecodable::to_bytes(v.as_ref());
        out.extend(percent_encode(&value, QUERY_VALUE));
    }
    out
}

/// The parent folder and the name of an item below a share (`/Public/a` → `/Public`,
/// `a`). Shares themselves and the root have no parent File Station can address.
pub fn split(path: &VPath) -> VfsResult<(String, String)> {
    if path.components().count() < 2 {
        return Err(VfsError::PermissionDenied(format!(
            "{path}: shares are managed in the NAS web interface"
        )));
    }
    Ok((path.parent().as_str().to_owned(), path.name().to_owned()))
}

/// The share a path lies in (`/Public/a/b` → `Public`).
pub fn share_of(path: &VPath) -> Option<&str> {
    path.components().next()
}

/// Maps an absolute on-disk path from `search`/`get_share_list`
/// (`/share/CACHEDEV1_DATA/Public/a.txt`, `/share/HDA_DATA/…`, `/share/MD0_DATA/…`) to
/// the share path (`/Public/a.txt`); the caller's `homes/<user>` maps to `/home`.
/// Paths already in share form pass through. Every component is validated, so a
/// hostile hit (`..`, NUL) gives `None`, never a path outside its share.
pub fn share_path_from_disk(disk: &str, user: &str) -> Option<VPath> {
    let mut comps: Vec<&str> = disk.split('/').filter(|c| !c.is_empty()).collect();
    if comps.first() == Some(&"share") && comps.len() >= 2 {
        comps.remove(0);
        if comps[0].ends_with("_DATA") {
            comps.remove(0);
        } else if comps[0] == "external" && comps.len() >= 2 {
            // /share/external/DEV3301_1/… : the device folder is the share.
            comps.remove(0);
        }
    }
    if comps.len() >= 2 && comps[0] == "homes" && comps[1] == user {
        comps.splice(0..2, ["home"]);
    }
    let mut p = VPath::root();
    for c in comps {
        p = p.join(c).ok()?;
    }
    (!p.is_root()).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_encoding_uses_percent_20() {
        assert_eq!(
            encode_query(&[("path", "/Public/a b+c&d=é"), ("x", "")]),
            "path=%2FPublic%2Fa%20b%2Bc%26d%3D%C3%A9&x="
        );
        let latin1 = crate::undecodable::from_bytes(b"/Public/caf\xe9");
        assert_eq!(
            encode_query(&[("path", latin1.as_ref())]),
            "path=%2FPublic%2Fcaf%E9"
        );
    }

    #[test]
    fn search_paths_map_back_to_shares() {
        let m = |s| share_path_from_disk(s, "alice").map(|p| p.as_str().to_owned());
        assert_eq!(
            m("/share/CACHEDEV1_DATA/Public/a/report.txt").as_deref(),
            Some("/Public/a/report.txt")
        );
        assert_eq!(
            m("/share/HDA_DATA/Public/keyword.txt").as_deref(),
            Some("/Public/keyword.txt")
        );
        assert_eq!(m("/share/MD0_DATA/Backups").as_deref(), Some("/Backups"));
        assert_eq!(
            m("/share/CACHEDEV2_DATA/homes/alice/x").as_deref(),
            Some("/home/x")
        );
        assert_eq!(
            m("/share/CACHEDEV1_DATA/homes/bob/x").as_deref(),
            Some("/homes/bob/x")
        );
        assert_eq!(m("/Public/already").as_deref(), Some("/Public/already"));
        assert_eq!(m("/share/CACHEDEV1_DATA/Public/../etc"), None);
        assert_eq!(m("/share/CACHEDEV1_DATA"), None);
        assert_eq!(m("/share/CACHEDEV1_DATA/Public/x\0y"), None);
        assert_eq!(
            m("/share/CACHEDEV1_DATA/Public/\x1b[2J").as_deref(),
            Some("/Public/\x1b[2J")
        );
    }

    #[test]
    fn split_refuses_shares() {
        let p = VPath::parse("/Public/a b").unwrap();
        assert_eq!(split(&p).unwrap(), ("/Public".into(), "a b".into()));
        assert!(split(&VPath::parse("/Public").unwrap()).is_err());
        assert!(split(&VPath::root()).is_err());
    }
}
