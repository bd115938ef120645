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
    pub jobs: JobsConfig,
    /// The folder hotlist (Ctrl-\ in the commander).
    pub hotlist: HotlistConfig,
    /// NAS profiles, `[[remote]]`.
    pub remote: Vec<RemoteProfile>,
}

/// `[hotlist] folders = ["/home/me/src", "nas:/Public/photos"]`: places as the command
/// line takes them (a local path, `NAME:/path`, a NAS URL).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HotlistConfig {
    pub folders: Vec<String>,
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

/// How URLs reach the clipboard (the clipboard's own setting; the file holds it).
pub use crate::clipboard::ClipboardMode;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClipboardConfig {
    pub mode: ClipboardMode,
}

/// How copies behave, `[jobs]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// How long a file keeps being retried while the NAS is unreachable (no progress in
    /// between): `"5m"`, `"90s"`, `"1h 30m"` (humantime syntax).
    pub retry_for: String,
    /// How a transferred file is checked before it takes its name: `"size"`, or
    /// `"hash"` (also the sha256 of both ends, where both compute one: `jobs::verify`).
    pub verify: crate::jobs::Verify,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            retry_for: humantime::format_duration(crate::jobs::RetryPolicy::DEFAULT_RETRY_FOR)
                .to_string(),
            verify: crate::jobs::Verify::Size,
        }
    }
}

impl JobsConfig {
    /// `retry_for` as a duration (checked when the file is loaded).
    pub fn retry_for(&self) -> Result<std::time::Duration, String> {
        parse_duration(&self.retry_for)
    }
}

/// A humane duration (`5m`, `90s`, `1h 30m`); the error says what is expected.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(text.trim())
        .map_err(|e| format!("{text:?} is not a duration like 5m, 90s or 1h 30m ({e})"))
}

/// A profile's `kind = "qnap"`: one of the kinds in `nas::registry`.
pub use crate::nas::registry::RemoteKind;

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
        Config::parse(&text, &path.display().to_string())
    }

    /// The config in `text`, read from the file `path` names (for messages).
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        config
            .jobs
            .retry_for()
            .map_err(|message| ConfigError::Parse {
                path: path.to_owned(),
                message: format!("[jobs] retry_for: {message}"),
            })?;
        Ok(config)
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

    /// Adds `profile` to the file, or replaces the one of the same name where it stands.
    /// The rest of the file stays as the user wrote it: comments, order and layout
    /// (`toml_edit`); only a file whose `remote` is not a list of `[[remote]]` tables is
    /// rewritten whole.
    pub fn put_remote(path: &Path, profile: &RemoteProfile) -> Result<(), ConfigError> {
        let table = profile_table(path, profile)?;
        edit_remotes(path, |remotes| {
            let name = profile.name.as_str();
            let found = remotes.iter().position(|t| table_name(t) == Some(name));
            match found {
                Some(i) => {
                    if let Some(slot) = remotes.get_mut(i) {
                        *slot = table;
                    }
                }
                None => remotes.push(table),
            }
        })
        .or_else(|e| match e {
            EditError::NotTables(mut config) => {
                config.remote.retain(|r| r.name != profile.name);
                config.remote.push(profile.clone());
                config.save(path)
            }
            EditError::Config(e) => Err(e),
        })
    }

    /// Removes the profile named `name` from the file (same care as [`Config::put_remote`]).
    pub fn remove_remote(path: &Path, name: &str) -> Result<(), ConfigError> {
        edit_remotes(path, |remotes| {
            remotes.retain(|t| table_name(t) != Some(name))
        })
        .or_else(|e| match e {
            EditError::NotTables(mut config) => {
                config.remote.retain(|r| r.name != name);
                config.save(path)
            }
            EditError::Config(e) => Err(e),
        })
    }

    /// Writes the hotlist into the file, the rest of it kept as the user wrote it
    /// (`toml_edit`), through a temporary file and a rename.
    pub fn set_hotlist(path: &Path, folders: &[String]) -> Result<(), ConfigError> {
        let shown = || path.display().to_string();
        let parse_error = |message: String| ConfigError::Parse {
            path: shown(),
            message,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: shown(),
                    source,
                });
            }
        };
        // The file must be valid as a config before we touch it.
        toml::from_str::<Config>(&text).map_err(|e| parse_error(e.to_string()))?;
        let mut doc: toml_edit::DocumentMut =
            text.parse().map_err(|e| parse_error(format!("{e}")))?;
        let list: toml_edit::Array = folders.iter().map(String::as_str).collect();
        match doc.get_mut("hotlist").and_then(|h| h.as_table_like_mut()) {
            Some(table) => {
                table.insert("folders", toml_edit::value(list));
            }
            None => {
                let mut table = toml_edit::Table::new();
                table.insert("folders", toml_edit::value(list));
                doc.insert("hotlist", toml_edit::Item::Table(table));
            }
        }
        let text = doc.to_string();
        toml::from_str::<Config>(&text).map_err(|e| parse_error(e.to_string()))?;
        crate::atomic_file::replace(path, text.as_bytes()).map_err(|source| ConfigError::Write {
            path: shown(),
            source,
        })
    }

    pub fn remote(&self, name: &str) -> Option<&RemoteProfile> {
        self.remote.iter().find(|r| r.name == name)
    }
}

enum EditError {
    /// `remote` is there but written another way (an inline array): the parsed file,
    /// for a whole rewrite.
    NotTables(Box<Config>),
    Config(ConfigError),
}

/// Reads the file as an editable document, lets `edit` change its `[[remote]]` tables,
/// checks the result still loads, and writes it back through a temporary file.
fn edit_remotes(
    path: &Path,
    edit: impl FnOnce(&mut toml_edit::ArrayOfTables),
) -> Result<(), EditError> {
    let shown = || path.display().to_string();
    let parse_error = |message: String| {
        EditError::Config(ConfigError::Parse {
            path: shown(),
            message,
        })
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(EditError::Config(ConfigError::Read {
                path: shown(),
                source,
            }));
        }
    };
    // The file must be valid as a config before we touch it.
    let config: Config = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| parse_error(format!("{e}")))?;
    let remotes = doc
        .entry("remote")
        .or_insert_with(|| toml_edit::Item::ArrayOfTables(toml_edit::ArrayOfTables::new()));
    let Some(remotes) = remotes.as_array_of_tables_mut() else {
        return Err(EditError::NotTables(Box::new(config)));
    };
    edit(remotes);
    if remotes.is_empty() {
        doc.remove("remote");
    }
    let text = doc.to_string();
    toml::from_str::<Config>(&text).map_err(|e| parse_error(e.to_string()))?;
    crate::atomic_file::replace(path, text.as_bytes()).map_err(|source| {
        EditError::Config(ConfigError::Write {
            path: shown(),
            source,
        })
    })
}

/// `profile` as a `[[remote]]` table, through serde so it reads back the same.
fn profile_table(path: &Path, profile: &RemoteProfile) -> Result<toml_edit::Table, ConfigError> {
    let parse_error = |message: String| ConfigError::Parse {
        path: path.display().to_string(),
        message,
    };
    let text = toml::to_string(profile).map_err(|e| parse_error(e.to_string()))?;
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e| parse_error(format!("{e}")))?;
    Ok(doc.as_table().clone())
}

fn table_name(t: &toml_edit::Table) -> Option<&str> {
    t.get("name").and_then(|v| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hotlist_is_written_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "# mine\n[ui]\ntheme = \"mc\"\n\n[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"http://h\"\n").unwrap();
        Config::set_hotlist(&p, &["/a b".to_owned(), "nas:/Public".to_owned()]).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("# mine"), "{text}");
        let c = Config::load(&p).unwrap();
        assert_eq!(c.hotlist.folders, ["/a b", "nas:/Public"]);
        assert_eq!(c.ui.theme, "mc");
        assert_eq!(c.remote.len(), 1);
        Config::set_hotlist(&p, &[]).unwrap();
        assert!(Config::load(&p).unwrap().hotlist.folders.is_empty());
        let fresh = dir.path().join("new/config.toml");
        Config::set_hotlist(&fresh, &["/x".to_owned()]).unwrap();
        assert_eq!(Config::load(&fresh).unwrap().hotlist.folders, ["/x"]);
    }

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

    fn profile(name: &str, url: &str) -> RemoteProfile {
        RemoteProfile {
            name: name.into(),
            kind: RemoteKind::Qnap,
            url: url.into(),
            user: Some("admin".into()),
            share_host: None,
            cert_sha256: None,
        }
    }

    const HAND_WRITTEN: &str = "# my nascmd settings\n\
[ui]\n\
theme = \"mc\"   # blue, like the old days\n\
\n\
# the office box\n\
[[remote]]\n\
name = \"office\"\n\
kind = \"qnap\"\n\
url = \"http://10.0.0.5:8080\"\n\
\n\
# the one at home\n\
[[remote]]\n\
name = \"home\"\n\
kind = \"freebox\"\n\
url = \"http://mafreebox.freebox.fr\"\n";

    #[test]
    fn adding_a_remote_keeps_the_users_comments_and_layout() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, HAND_WRITTEN).unwrap();
        Config::put_remote(&p, &profile("lab", "http://10.0.0.9:8080")).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with(HAND_WRITTEN), "{text}");
        let c = Config::load(&p).unwrap();
        let names: Vec<&str> = c.remote.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["office", "home", "lab"]);
        assert_eq!(
            c.remote("lab"),
            Some(&profile("lab", "http://10.0.0.9:8080"))
        );
        assert_eq!(c.ui.theme, "mc");
    }

    #[test]
    fn replacing_a_remote_keeps_its_place_and_the_comments() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, HAND_WRITTEN).unwrap();
        Config::put_remote(&p, &profile("office", "https://10.0.0.6:443")).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        for kept in [
            "# my nascmd settings",
            "# blue, like the old days",
            "# the one at home",
        ] {
            assert!(text.contains(kept), "{kept} lost: {text}");
        }
        let c = Config::load(&p).unwrap();
        let names: Vec<&str> = c.remote.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["office", "home"]);
        assert_eq!(c.remote[0].url, "https://10.0.0.6:443");
    }

    #[test]
    fn removing_a_remote_touches_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, HAND_WRITTEN).unwrap();
        Config::remove_remote(&p, "office").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains("# blue, like the old days"), "{text}");
        assert!(text.contains("# the one at home"), "{text}");
        assert!(!text.contains("office"), "{text}");
        let c = Config::load(&p).unwrap();
        assert_eq!(c.remote.len(), 1);
        assert_eq!(c.remote[0].name, "home");
        // The last one goes, and with it the empty `remote` key.
        Config::remove_remote(&p, "home").unwrap();
        assert_eq!(Config::load(&p).unwrap().remote, Vec::new());
    }

    #[test]
    fn remotes_written_inline_or_no_file_at_all_still_work() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        Config::put_remote(&p, &profile("first", "http://a:8080")).unwrap();
        assert_eq!(Config::load(&p).unwrap().remote.len(), 1);
        std::fs::write(
            &p,
            "remote = [{ name = \"x\", kind = \"qnap\", url = \"http://x:8080\" }]\n",
        )
        .unwrap();
        Config::put_remote(&p, &profile("y", "http://y:8080")).unwrap();
        let names: Vec<String> = Config::load(&p)
            .unwrap()
            .remote
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["x", "y"]);
    }

    #[test]
    fn a_broken_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "[ui]\ntheme = 3\n").unwrap();
        assert!(matches!(
            Config::put_remote(&p, &profile("x", "http://x")),
            Err(ConfigError::Parse { .. })
        ));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "[ui]\ntheme = 3\n");
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

#[cfg(test)]
mod jobs_tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn retry_for_takes_humane_durations_and_refuses_others() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(
            Config::default().jobs.retry_for().unwrap(),
            Duration::from_secs(300)
        );
        std::fs::write(&p, "[jobs]\nretry_for = \"1h 30m\"\n").unwrap();
        let c = Config::load(&p).unwrap();
        assert_eq!(c.jobs.retry_for().unwrap(), Duration::from_secs(5400));
        std::fs::write(&p, "[jobs]\nretry_for = \"soon\"\n").unwrap();
        let e = Config::load(&p).unwrap_err().to_string();
        assert!(e.contains("[jobs] retry_for") && e.contains("5m"), "{e}");
    }

    #[test]
    fn verify_is_size_unless_the_config_says_hash() {
        use crate::jobs::Verify;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        assert_eq!(Config::default().jobs.verify, Verify::Size);
        std::fs::write(&p, "[jobs]\nverify = \"hash\"\n").unwrap();
        assert_eq!(Config::load(&p).unwrap().jobs.verify, Verify::Hash);
        std::fs::write(&p, "[jobs]\nverify = \"crc\"\n").unwrap();
        assert!(Config::load(&p).is_err());
    }
}
