//! Wire paths (`/Public/dir`) and names checked the way the CGI checks them, mapped
//! under the root by [`FsRoot`](crate::emulator::fsroot::FsRoot). Anything that would
//! leave the root becomes status 12 (illegal name), never an escape.

use std::path::PathBuf;

use super::Emu;
use super::envelope::status;

/// Prefix of the emulator's in-progress upload files (hidden, dot-prefixed).
pub const UPLOAD_TEMP_PREFIX: &str = ".nascmd-upload-";

/// Length of the random part of the emulator's upload temporaries.
pub const UPLOAD_TEMP_RANDOM: usize = 12;

/// A name this emulator keeps for itself: exactly its upload temporaries
/// (`.nascmd-upload-` + 12 of `[a-z0-9]`) and the chunked-upload cache folder. No client
/// request may create one (mkdir, rename, upload). nascmd's own client temporaries share
/// the prefix (`.nascmd-upload-<key>-<n>.part`) and stay allowed: they never match.
pub fn is_reserved(name: &str) -> bool {
    let own_temp = name.strip_prefix(UPLOAD_TEMP_PREFIX).is_some_and(|rest| {
        rest.len() == UPLOAD_TEMP_RANDOM
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    own_temp || name == super::chunked::CACHE_DIR
}

/// A name a request is about to create: [`check_name`], and not a reserved one (12).
pub fn check_new_name(name: &str) -> Result<(), i64> {
    check_name(name)?;
    if is_reserved(name) {
        return Err(status::ILLEGAL_NAME);
    }
    Ok(())
}

/// A single file or folder name as sent in `file_name`, `dest_folder`, `dest_name`….
pub fn check_name(name: &str) -> Result<(), i64> {
    if name.is_empty() || name == "." || name == ".." {
        return Err(status::ILLEGAL_NAME);
    }
    if name.contains(['/', '\0']) {
        return Err(status::ILLEGAL_NAME);
    }
    if name.len() > 255 {
        return Err(status::NAME_TOO_LONG);
    }
    Ok(())
}

/// Joins a checked name onto a wire directory.
pub fn child_wire(dir: &str, name: &str) -> String {
    format!("{}/{}", dir.trim_end_matches('/'), name)
}

/// The share a wire path belongs to (`/Public/a` → `Public`).
pub fn share_of(wire: &str) -> Option<&str> {
    wire.split('/').find(|c| !c.is_empty())
}

impl Emu {
    /// The real path of a wire path inside a share. `/` itself is not a share → 5.
    pub fn real(&self, wire: &str) -> Result<PathBuf, i64> {
        if share_of(wire).is_none() {
            return Err(status::NOT_FOUND);
        }
        self.fs.resolve(wire).map_err(|_| status::ILLEGAL_NAME)
    }

    /// The real path of `name` inside wire folder `dir`.
    pub fn real_child(&self, dir: &str, name: &str) -> Result<PathBuf, i64> {
        check_name(name)?;
        self.real(&child_wire(dir, name))
    }

    /// The entry `name` itself inside wire folder `dir`: a link there is not followed
    /// (delete, rename, stat act on the link).
    pub fn real_entry(&self, dir: &str, name: &str) -> Result<PathBuf, i64> {
        check_name(name)?;
        let wire = child_wire(dir, name);
        if share_of(&wire).is_none() {
            return Err(status::NOT_FOUND);
        }
        self.fs
            .resolve_entry(&wire)
            .map_err(|_| status::ILLEGAL_NAME)
    }

    /// An existing folder, or 5.
    pub fn real_dir(&self, wire: &str) -> Result<PathBuf, i64> {
        let p = self.real(wire)?;
        if self.fs.is_dir(&p) {
            Ok(p)
        } else {
            Err(status::NOT_FOUND)
        }
    }

    /// Search results and share lists name files by their on-disk path.
    pub fn volume_path(&self, wire: &str) -> String {
        format!("/share/{}{}", self.cfg.volume, wire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(check_name("a.txt"), Ok(()));
        assert_eq!(check_name(".."), Err(status::ILLEGAL_NAME));
        assert_eq!(check_name("a/b"), Err(status::ILLEGAL_NAME));
        assert_eq!(check_name("a\0"), Err(status::ILLEGAL_NAME));
        assert_eq!(check_name(&"x".repeat(256)), Err(status::NAME_TOO_LONG));
        assert_eq!(check_new_name(".@upload_cache"), Err(status::ILLEGAL_NAME));
        assert_eq!(
            check_new_name(".nascmd-upload-abcdef012345"),
            Err(status::ILLEGAL_NAME)
        );
        // The client's own temporaries share the prefix and stay allowed.
        assert_eq!(check_new_name(".nascmd-upload-4242-0.part"), Ok(()));
        assert_eq!(check_new_name(".hidden"), Ok(()));
    }
}
