//! Freebox paths: the standard base64 alphabet with `=` padding over the raw bytes of the
//! absolute clear path (`/Disque dur` → `L0Rpc3F1ZSBkdXI=`), and their mapping onto the
//! served folder through [`FsRoot`] so nothing outside it is ever reached.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};

use super::envelope::FbxError;
use crate::emulator::fsroot::{FsRoot, PathRefused};

/// Encodes a clear path (raw bytes) as the box does.
pub fn encode(clear: &[u8]) -> String {
    STANDARD.encode(clear)
}

/// Encodes a clear path held as text: a name's bytes that are not UTF-8 go back to being
/// those bytes ([`crate::undecodable`]), so the token names what the disk holds.
pub fn encode_clear(clear: &str) -> String {
    encode(&crate::undecodable::to_bytes(clear))
}

/// Decodes a path token. Padded standard base64 is what the box emits; unpadded input is
/// accepted too (whether the box does is an open question, accepting is harmless).
pub fn decode(token: &str) -> Result<Vec<u8>, FbxError> {
    STANDARD
        .decode(token)
        .or_else(|_| STANDARD_NO_PAD.decode(token.trim_end_matches('=')))
        .map_err(|_| FbxError::invalid_request("Requête invalide : chemin invalide"))
}

/// How the served folder appears on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VolumeLayout {
    /// The folder is one disk with this label (`/Disque dur/…`), like a Freebox Revolution.
    SingleDisk(String),
    /// Each top-level sub-folder is a volume (`/Disque 1/…`, `/Freebox/…`).
    VolumePerFolder,
}

impl Default for VolumeLayout {
    fn default() -> Self {
        VolumeLayout::SingleDisk("Disque dur".to_owned())
    }
}

/// A resolved wire path.
#[derive(Clone, Debug)]
pub struct Target {
    /// Normalised clear path: `/`, `/Disque dur`, `/Disque dur/a.txt`.
    pub clear: String,
    /// Real path on disk; `None` for the virtual root `/` (the list of volumes).
    pub real: Option<PathBuf>,
}

impl Target {
    pub fn token(&self) -> String {
        encode_clear(&self.clear)
    }

    /// Real path, or `access_denied` for the virtual root (nothing can be written there).
    pub fn real_or_denied(&self) -> Result<&Path, FbxError> {
        self.real.as_deref().ok_or_else(FbxError::access_denied)
    }

    /// Whether this is a volume itself (`/Disque dur`), which cannot be moved or removed.
    pub fn is_volume(&self) -> bool {
        self.clear.matches('/').count() == 1 && self.clear != "/"
    }

    /// Clear path of the parent (`/` for a volume).
    pub fn parent_clear(&self) -> String {
        match self.clear.rfind('/') {
            Some(0) | None => "/".to_owned(),
            Some(i) => self.clear[..i].to_owned(),
        }
    }

    /// Last component of the clear path (empty for `/`).
    pub fn name(&self) -> &str {
        self.clear.rsplit('/').next().unwrap_or("")
    }
}

/// The served disk(s).
#[derive(Clone, Debug)]
pub struct Disk {
    root: FsRoot,
    layout: VolumeLayout,
}

impl Disk {
    pub fn new(root: &Path, layout: VolumeLayout) -> std::io::Result<Self> {
        Ok(Disk {
            root: FsRoot::new(root)?,
            layout,
        })
    }

    /// The root, and every file-system call beneath it (`emulator::confined`).
    pub fn fs(&self) -> &FsRoot {
        &self.root
    }

    /// Volume names as listed at `/`.
    pub fn volumes(&self) -> Vec<String> {
        match &self.layout {
            VolumeLayout::SingleDisk(label) => vec![label.clone()],
            VolumeLayout::VolumePerFolder => {
                let mut names: Vec<String> = self
                    .root
                    .read_dir(self.root.root())
                    .into_iter()
                    .flatten()
                    .filter(|e| {
                        self.root
                            .symlink_metadata(&e.path)
                            .is_ok_and(|m| m.is_dir())
                    })
                    .map(|e| crate::undecodable::from_os(&e.name).into_owned())
                    .collect();
                names.sort();
                names
            }
        }
    }

    /// Resolves a path token from the wire.
    pub fn resolve_token(&self, token: &str) -> Result<Target, FbxError> {
        let bytes = decode(token)?;
        let clear = crate::undecodable::from_bytes(&bytes).into_owned();
        self.resolve_clear(&clear)
    }

    /// A path token naming an entry itself: a link as the last component is not followed
    /// (what `fs/rm`, `fs/mv`, `fs/cp` and `fs/rename` act on).
    pub fn resolve_token_entry(&self, token: &str) -> Result<Target, FbxError> {
        let bytes = decode(token)?;
        let clear = crate::undecodable::from_bytes(&bytes).into_owned();
        self.resolve_clear_with(&clear, true)
    }

    /// Resolves a clear path. A missing leading `/` is tolerated (the box accepted one).
    pub fn resolve_clear(&self, clear: &str) -> Result<Target, FbxError> {
        self.resolve_clear_with(clear, false)
    }

    fn resolve_clear_with(&self, clear: &str, entry: bool) -> Result<Target, FbxError> {
        if clear.contains('\0') {
            return Err(FbxError::invalid_request("Requête invalide : nom invalide"));
        }
        let mut parts = Vec::new();
        for comp in clear.split('/') {
            match comp {
                "" | "." => {}
                ".." => return Err(FbxError::access_denied()),
                c => parts.push(c),
            }
        }
        let Some((volume, rest)) = parts.split_first() else {
            return Ok(Target {
                clear: "/".into(),
                real: None,
            });
        };
        let normalised = format!("/{}", parts.join("/"));
        let inner = match &self.layout {
            VolumeLayout::SingleDisk(label) if volume == label => rest.join("/"),
            VolumeLayout::SingleDisk(_) => return Err(FbxError::path_not_found()),
            VolumeLayout::VolumePerFolder => {
                let vol_real = self.root.root().join(volume);
                if !self.root.is_dir(&vol_real) {
                    return Err(FbxError::path_not_found());
                }
                parts.join("/")
            }
        };
        let resolved = if entry && !inner.is_empty() {
            self.root.resolve_entry(&inner)
        } else {
            self.root.resolve(&inner)
        };
        let real = resolved.map_err(|e| match e {
            PathRefused::IllegalName => {
                FbxError::invalid_request("Requête invalide : nom invalide")
            }
            PathRefused::Escapes => FbxError::access_denied(),
        })?;
        Ok(Target {
            clear: normalised,
            real: Some(real),
        })
    }

    /// The child `name` of directory `dir`; refuses names that are not one component.
    pub fn child(&self, dir: &Target, name: &str) -> Result<Target, FbxError> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return Err(FbxError::invalid_request("Requête invalide : nom invalide"));
        }
        let clear = if dir.clear == "/" {
            format!("/{name}")
        } else {
            format!("{}/{name}", dir.clear)
        };
        self.resolve_clear(&clear)
    }

    /// [`Disk::child`] naming the entry itself (a link there is not followed).
    pub fn child_entry(&self, dir: &Target, name: &str) -> Result<Target, FbxError> {
        if name.is_empty() || name == "." || name == ".." || name.contains('/') {
            return Err(FbxError::invalid_request("Requête invalide : nom invalide"));
        }
        let clear = if dir.clear == "/" {
            format!("/{name}")
        } else {
            format!("{}/{name}", dir.clear)
        };
        self.resolve_clear_with(&clear, true)
    }

    /// Clear wire path of a real path under the root.
    pub fn clear_of(&self, real: &Path) -> Option<String> {
        let rel = self.root.wire_of(real)?;
        Some(match &self.layout {
            VolumeLayout::SingleDisk(label) if rel == "/" => format!("/{label}"),
            VolumeLayout::SingleDisk(label) => format!("/{label}{rel}"),
            VolumeLayout::VolumePerFolder => rel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_the_conformance_table() {
        assert_eq!(encode(b"/Disque dur"), "L0Rpc3F1ZSBkdXI=");
        assert_eq!(encode(b"/"), "Lw==");
        assert_eq!(encode(b"/Disque dur/Photos"), "L0Rpc3F1ZSBkdXIvUGhvdG9z");
        assert_eq!(encode("/Disque dur/é?".as_bytes()), "L0Rpc3F1ZSBkdXIvw6k/");
        assert_eq!(encode(b"/Disque dur/~~~"), "L0Rpc3F1ZSBkdXIvfn5+");
        assert_eq!(decode("L0Rpc3F1ZSBkdXIvfn5+").unwrap(), b"/Disque dur/~~~");
        assert_eq!(decode("L0Rpc3F1ZSBkdXI").unwrap(), b"/Disque dur");
        assert!(decode("not base64!").is_err());
    }

    #[test]
    fn single_disk_mapping_stays_inside() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("Photos")).unwrap();
        let disk = Disk::new(dir.path(), VolumeLayout::default()).unwrap();
        let t = disk.resolve_clear("/Disque dur/Photos/").unwrap();
        assert_eq!(t.clear, "/Disque dur/Photos");
        assert!(t.real.unwrap().ends_with("Photos"));
        assert!(disk.resolve_clear("/").unwrap().real.is_none());
        assert_eq!(
            disk.resolve_clear("/Disque dur/../etc").unwrap_err().code,
            "access_denied"
        );
        assert_eq!(
            disk.resolve_clear("/Autre/x").unwrap_err().code,
            "path_not_found"
        );
        let v = disk.resolve_clear("Disque dur").unwrap();
        assert!(v.is_volume());
        assert_eq!(
            disk.clear_of(v.real.as_ref().unwrap()).unwrap(),
            "/Disque dur"
        );
    }
}
