//! The secrets store: `config_dir()/secrets.toml`, one table per remote profile,
//!
//! ```toml
//! [remote.nas]
//! password = "…"
//! [remote.box]
//! app_token = "…"
//! ```
//!
//! The file is mode 0600 from the moment it exists: it is written to a temporary file
//! created 0600 in the same folder, synced, then renamed over the old one, so there is
//! never a moment where it is readable by others or half-written. A store found readable
//! by group or others is refused (like ssh does with keys) rather than trusted.
//! Values are held as [`Secret`] in memory so they never reach a log or Debug output.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    // The TOML parser's message may quote a line of the file, i.e. a secret: keep
    // only the position.
    #[error("{path} is not valid TOML (near byte {offset})")]
    Parse { path: String, offset: usize },
    #[error("{path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`")]
    TooOpen { path: String, mode: u32 },
}

/// The secrets of one remote profile.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredSecrets {
    /// QNAP password.
    pub password: Option<Secret>,
    /// Freebox app token (from the registration).
    pub app_token: Option<Secret>,
}

/// The file's shape on disk. Only lives during load/save.
#[derive(Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawFile {
    remote: BTreeMap<String, RawEntry>,
}

#[derive(Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RawEntry {
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_token: Option<String>,
}

/// The loaded store. Change it with the setters, then [`SecretsStore::save`].
#[derive(Clone, Debug, Default)]
pub struct SecretsStore {
    path: PathBuf,
    entries: BTreeMap<String, StoredSecrets>,
}

impl SecretsStore {
    /// `config_dir()/secrets.toml`.
    pub fn default_path() -> PathBuf {
        crate::config::config_dir().join("secrets.toml")
    }

    /// Loads the store; a missing file is an empty store.
    pub fn load(path: &Path) -> Result<Self, SecretsError> {
        let display = path.display().to_string();
        let text = match std::fs::File::open(path) {
            Ok(f) => {
                let mode = f
                    .metadata()
                    .map_err(|source| SecretsError::Read {
                        path: display.clone(),
                        source,
                    })?
                    .mode()
                    & 0o777;
                if mode & 0o077 != 0 {
                    return Err(SecretsError::TooOpen {
                        path: display,
                        mode,
                    });
                }
                std::io::read_to_string(f).map_err(|source| SecretsError::Read {
                    path: display.clone(),
                    source,
                })?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(SecretsStore {
                    path: path.to_owned(),
                    entries: BTreeMap::new(),
                });
            }
            Err(source) => {
                return Err(SecretsError::Read {
                    path: display,
                    source,
                });
            }
        };
        let raw: RawFile = toml::from_str(&text).map_err(|e| SecretsError::Parse {
            path: display,
            offset: e.span().map(|s| s.start).unwrap_or(0),
        })?;
        let entries = raw
            .remote
            .into_iter()
            .map(|(name, e)| {
                let s = StoredSecrets {
                    password: e.password.map(Secret::new),
                    app_token: e.app_token.map(Secret::new),
                };
                (name, s)
            })
            .collect();
        Ok(SecretsStore {
            path: path.to_owned(),
            entries,
        })
    }

    /// Loads the store at its default place.
    pub fn load_default() -> Result<Self, SecretsError> {
        Self::load(&Self::default_path())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, profile: &str) -> Option<&StoredSecrets> {
        self.entries.get(profile)
    }

    pub fn password(&self, profile: &str) -> Option<&Secret> {
        self.get(profile)?.password.as_ref()
    }

    pub fn app_token(&self, profile: &str) -> Option<&Secret> {
        self.get(profile)?.app_token.as_ref()
    }

    pub fn set_password(&mut self, profile: &str, password: Secret) {
        self.entries.entry(profile.to_owned()).or_default().password = Some(password);
    }

    pub fn set_app_token(&mut self, profile: &str, token: Secret) {
        self.entries
            .entry(profile.to_owned())
            .or_default()
            .app_token = Some(token);
    }

    /// Forgets a profile's secrets; true when there were some.
    pub fn remove(&mut self, profile: &str) -> bool {
        self.entries.remove(profile).is_some()
    }

    /// Writes the store atomically, 0600 from creation (see the module docs).
    pub fn save(&self) -> Result<(), SecretsError> {
        let err = |source| SecretsError::Write {
            path: self.path.display().to_string(),
            source,
        };
        let raw = RawFile {
            remote: self
                .entries
                .iter()
                .map(|(name, s)| {
                    let e = RawEntry {
                        password: s.password.as_ref().map(|p| p.expose().to_owned()),
                        app_token: s.app_token.as_ref().map(|p| p.expose().to_owned()),
                    };
                    (name.clone(), e)
                })
                .collect(),
        };
        let text = toml::to_string(&raw).map_err(|e| err(std::io::Error::other(e)))?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir).map_err(err)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".secrets.")
            .permissions(std::fs::Permissions::from_mode(0o600))
            .tempfile_in(dir)
            .map_err(err)?;
        tmp.write_all(text.as_bytes()).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        tmp.persist(&self.path).map_err(|e| err(e.error))?;
        Ok(())
    }
}

/// Creates the folder (and parents) if missing; a folder we create is 0700.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_0600_and_redacted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cfg/nascmd/secrets.toml");
        let mut s = SecretsStore::load(&path).unwrap();
        assert!(s.get("nas").is_none());
        s.set_password("nas", Secret::new("pa\"ss=wörd"));
        s.set_app_token("box", Secret::new("dyNYgfK0+/x"));
        s.save().unwrap();
        let mode = std::fs::metadata(&path).unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert!(!format!("{s:?}").contains("wörd"));
        let back = SecretsStore::load(&path).unwrap();
        assert_eq!(back.password("nas").unwrap().expose(), "pa\"ss=wörd");
        assert_eq!(back.app_token("box").unwrap().expose(), "dyNYgfK0+/x");
        let mut back = back;
        assert!(back.remove("nas"));
        back.save().unwrap();
        let again = SecretsStore::load(&path).unwrap();
        assert!(again.password("nas").is_none());
        // No temporary files left behind.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("secrets.toml")]);
    }

    #[test]
    fn world_readable_store_is_refused_and_parse_errors_hide_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.toml");
        std::fs::write(&path, "[remote.nas]\npassword = \"hunter2\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = SecretsStore::load(&path).unwrap_err();
        assert!(matches!(e, SecretsError::TooOpen { .. }), "{e}");
        std::fs::write(&path, "[remote.nas]\npassword = hunter2\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let e = SecretsStore::load(&path).unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
