//! Certificates the user chose to trust, like SSH's `known_hosts`:
//! `config_dir()/known_certs.toml` maps a NAS's base URL to the SHA-256 fingerprint of
//! the self-signed certificate accepted for it on first use.
//!
//! ```toml
//! "https://192.168.1.10:443" = "AB:CD:…"
//! ```
//!
//! A profile's own `cert_sha256` (from `remote add --cert-sha256`) wins over this file.
//! Fingerprints are not secrets; the file is still replaced atomically (`atomic_file`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum KnownCertsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

#[derive(Clone, Debug, Default)]
pub struct KnownCerts {
    path: PathBuf,
    pins: BTreeMap<String, String>,
}

impl KnownCerts {
    pub fn default_path() -> PathBuf {
        crate::config::config_dir().join("known_certs.toml")
    }

    /// Loads the file; a missing file knows nothing.
    pub fn load(path: &Path) -> Result<Self, KnownCertsError> {
        let display = || path.display().to_string();
        let pins = match std::fs::read_to_string(path) {
            Ok(text) => Self::parse_pins(&text, &display())?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(KnownCertsError::Read {
                    path: display(),
                    source,
                });
            }
        };
        Ok(KnownCerts {
            path: path.to_owned(),
            pins,
        })
    }

    /// The pins in `text`, read from the file `path` names; kept at that path.
    pub fn parse(text: &str, path: &str) -> Result<Self, KnownCertsError> {
        Ok(KnownCerts {
            path: path.into(),
            pins: Self::parse_pins(text, path)?,
        })
    }

    fn parse_pins(text: &str, path: &str) -> Result<BTreeMap<String, String>, KnownCertsError> {
        toml::from_str(text).map_err(|e| KnownCertsError::Parse {
            path: path.to_owned(),
            message: e.message().to_owned(),
        })
    }

    pub fn load_default() -> Result<Self, KnownCertsError> {
        Self::load(&Self::default_path())
    }

    /// The fingerprint trusted for `base_url`, if any.
    pub fn get(&self, base_url: &str) -> Option<&str> {
        self.pins.get(key(base_url)).map(String::as_str)
    }

    /// Trusts `fingerprint` for `base_url` from now on and writes the file.
    pub fn remember(&mut self, base_url: &str, fingerprint: &str) -> Result<(), KnownCertsError> {
        self.pins
            .insert(key(base_url).to_owned(), fingerprint.to_owned());
        self.save()
    }

    fn save(&self) -> Result<(), KnownCertsError> {
        let err = |source| KnownCertsError::Write {
            path: self.path.display().to_string(),
            source,
        };
        let text = toml::to_string(&self.pins).map_err(|e| err(std::io::Error::other(e)))?;
        crate::atomic_file::replace(&self.path, text.as_bytes()).map_err(err)
    }
}

fn key(base_url: &str) -> &str {
    base_url.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_across_loads_and_ignores_a_trailing_slash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/known_certs.toml");
        let mut known = KnownCerts::load(&path).unwrap();
        assert_eq!(known.get("https://nas:443"), None);
        known.remember("https://nas:443/", "AB:CD").unwrap();
        let again = KnownCerts::load(&path).unwrap();
        assert_eq!(again.get("https://nas:443"), Some("AB:CD"));
        assert_eq!(again.get("https://other:443"), None);
    }

    #[test]
    fn a_broken_file_is_an_error_not_an_empty_trust_list() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("known_certs.toml");
        std::fs::write(&path, "not = [toml").unwrap();
        assert!(matches!(
            KnownCerts::load(&path),
            Err(KnownCertsError::Parse { .. })
        ));
    }
}
