//! The config file, `$XDG_CONFIG_HOME/nascmd/config.toml` (default `~/.config/nascmd/`).
//! Every section is optional; a missing file means all defaults. Secrets are never kept
//! here (see the secrets store), only names, URLs and user names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
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
    #[error("{path} is not valid: {message}")]
    Parse { path: String, message: String },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub ui: UiConfig,
    /// Key overrides: action name → key (`copy = "F5"`, `quit = "ctrl-q"`).
    pub keys: BTreeMap<String, String>,
    pub share: ShareDefaults,
    pub clipboard: ClipboardConfig,
    /// NAS profiles, `[[remote]]`.
    pub remote: Vec<RemoteProfile>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Theme name: a file `themes/NAME.toml` (built in: `default`, `mc`).
    pub theme: String,
    pub show_hidden: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            theme: "default".to_owned(),
            show_hidden: false,
        }
    }
}

/// Defaults for share links made with one key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShareDefaults {
    /// Lifetime like `7d`, `12h`, `30m`, or `never`.
    pub expire: String,
    /// Generate an access code for each link.
    pub access_code: bool,
}

impl Default for ShareDefaults {
    fn default() -> Self {
        ShareDefaults {
            expire: "7d".to_owned(),
            access_code: false,
        }
    }
}

/// How URLs reach the clipboard.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClipboardMode {
    /// System clipboard when a display is there, OSC 52 over SSH or without one.
    #[default]
    Auto,
    System,
    Osc52,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClipboardConfig {
    pub mode: ClipboardMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RemoteKind {
    Qnap,
    Freebox,
}

/// One `[[remote]]`: how to reach a NAS. The password / app token is in the secrets store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteProfile {
    pub name: String,
    pub kind: RemoteKind,
    pub url: String,
    #[serde(default)]
    pub user: Option<String>,
    /// Host to put in share-link URLs instead of the one in `url` (DDNS, myQNAPcloud).
    #[serde(default)]
    pub share_host: Option<String>,
    /// SHA-256 fingerprint of a self-signed certificate trusted on first use.
    #[serde(default)]
    pub cert_sha256: Option<String>,
}

/// `$XDG_CONFIG_HOME/nascmd`, or `~/.config/nascmd`.
pub fn config_dir() -> PathBuf {
    xdg_dir("XDG_CONFIG_HOME", ".config")
}

/// `$XDG_STATE_HOME/nascmd`, or `~/.local/state/nascmd` (logs live here).
pub fn state_dir() -> PathBuf {
    xdg_dir("XDG_STATE_HOME", ".local/state")
}

fn xdg_dir(var: &str, fallback: &str) -> PathBuf {
    let base = std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
        .unwrap_or_else(|| std::env::temp_dir().join(fallback));
    base.join("nascmd")
}

impl Config {
    pub fn default_path() -> PathBuf {
        config_dir().join("config.toml")
    }

    /// Loads the file; a missing file is the default config.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
    }

    /// Writes the file (creating the folder), through a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let err = |source| ConfigError::Write {
            path: path.display().to_string(),
            source,
        };
        let text = toml::to_string_pretty(self).map_err(|e| err(std::io::Error::other(e)))?;
        crate::atomic_file::replace(path, text.as_bytes()).map_err(err)
    }

    pub fn remote(&self, name: &str) -> Option<&RemoteProfile> {
        self.remote.iter().find(|r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/config.toml");
        assert_eq!(Config::load(&p).unwrap(), Config::default());
        let mut c = Config::default();
        c.ui.theme = "mc".into();
        c.keys.insert("quit".into(), "ctrl-q".into());
        c.remote.push(RemoteProfile {
            name: "nas".into(),
            kind: RemoteKind::Qnap,
            url: "http://127.0.0.1:8080".into(),
            user: Some("admin".into()),
            share_host: None,
            cert_sha256: None,
        });
        c.save(&p).unwrap();
        assert_eq!(Config::load(&p).unwrap(), c);
    }

    #[test]
    fn bad_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[ui]\ntheme = 3\n").unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("config.toml is not valid"), "{e}");
    }
}
