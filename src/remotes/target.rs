//! Parsing what a user types to name a place: a local path, `NAME:/path` (a profile from
//! the config file), or a URL form (`qnap://user@host:port/Share/dir`, `qnaps://…` for
//! https, `freebox://host/…`, `freeboxs://…` for https).
//!
//! # The rule for `:`
//! A colon does not make a remote on its own. In order:
//! 1. `qnap://`, `qnaps://`, `freebox://`, `freeboxs://` prefixes (the schemes of the
//!    kinds in `nas::registry`) are URL forms.
//! 2. `NAME:rest`, where NAME (before the first `:`) holds only letters, digits, `.`,
//!    `_` and `-`, is the profile NAME **when the config file has a profile of that
//!    name**.
//! 3. If no profile has that name but a local file or folder of that exact path exists
//!    (`C:`, `notes:2024.txt`), it is that local path.
//! 4. Otherwise it is an error naming the unknown profile, so a typo in a remote name
//!    never silently becomes a new local folder. Writing `./x:y` (anything with a `/`
//!    before the first `:`) always means a local path.

use std::path::{Path, PathBuf};

use reqwest::Url;

use crate::config::{Config, RemoteKind};
use crate::vfs::VPath;

use super::RemoteError;

/// Where a NAS is and how we log in to it (no secret here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteSpec {
    pub kind: RemoteKind,
    /// `http(s)://host[:port]`, without a trailing slash.
    pub base_url: String,
    /// QNAP user name (Freebox: none).
    pub user: Option<String>,
    /// The profile this came from; its name is the key in the secrets store.
    pub profile: Option<String>,
    /// Host to put in share links instead of the one in `base_url`.
    pub share_host: Option<String>,
    /// Pinned SHA-256 fingerprint of a self-signed NAS certificate.
    pub cert_sha256: Option<String>,
}

impl RemoteSpec {
    /// A stable key for "the same NAS and account" (used to share one connection).
    pub fn key(&self) -> String {
        format!(
            "{:?}|{}|{}",
            self.kind,
            self.base_url,
            self.user.as_deref().unwrap_or("")
        )
    }

    /// The name this remote's secrets are kept under in the secrets store: the profile
    /// name, or for a URL typed without a profile the URL itself (profile names cannot
    /// contain `:` or `/`, so the two never collide). This is what lets a Freebox opened
    /// as `freebox://host` be registered once, not on every start.
    pub fn secrets_name(&self) -> String {
        match &self.profile {
            Some(p) => p.clone(),
            None => self.base_url.clone(),
        }
    }

    /// What to show the user: `admin@http://nas:8080` or the profile name.
    pub fn describe(&self) -> String {
        match (&self.profile, &self.user) {
            (Some(p), _) => p.clone(),
            (None, Some(u)) => format!("{u}@{}", self.base_url),
            (None, None) => self.base_url.clone(),
        }
    }
}

/// A parsed place: which backend, and the path inside it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A local path, made absolute.
    Local(VPath),
    Remote {
        remote: RemoteSpec,
        path: VPath,
    },
}

impl Target {
    pub fn path(&self) -> &VPath {
        match self {
            Target::Local(p) => p,
            Target::Remote { path, .. } => path,
        }
    }

    /// Key of the backend this lives on (`local` or the remote's key).
    pub fn backend_key(&self) -> String {
        match self {
            Target::Local(_) => "local".to_owned(),
            Target::Remote { remote, .. } => remote.key(),
        }
    }

    pub fn is_local(&self) -> bool {
        matches!(self, Target::Local(_))
    }

    /// Parses `s` with the rule in the module docs, resolving local paths against the
    /// current directory.
    pub fn parse(s: &str, config: &Config) -> Result<Target, RemoteError> {
        let cwd = std::env::current_dir().map_err(|e| RemoteError::BadTarget {
            target: s.to_owned(),
            reason: format!("cannot read the current folder: {e}"),
        })?;
        Self::parse_in(s, config, &cwd)
    }

    /// [`Target::parse`] with an explicit folder for relative local paths.
    pub fn parse_in(s: &str, config: &Config, cwd: &Path) -> Result<Target, RemoteError> {
        if let Some(t) = parse_url_form(s)? {
            return Ok(t);
        }
        if let Some((name, rest)) = split_profile(s) {
            if let Some(p) = config.remote(name) {
                let remote = RemoteSpec {
                    kind: p.kind,
                    base_url: normalise_base_url(&p.url).map_err(|reason| {
                        RemoteError::BadTarget {
                            target: s.to_owned(),
                            reason: format!("profile {name}: {reason}"),
                        }
                    })?,
                    user: p.user.clone(),
                    profile: Some(p.name.clone()),
                    share_host: p.share_host.clone(),
                    cert_sha256: p.cert_sha256.clone(),
                };
                let path = parse_vpath(s, rest)?;
                return Ok(Target::Remote { remote, path });
            }
            if cwd.join(s).symlink_metadata().is_err() {
                return Err(RemoteError::UnknownRemote(name.to_owned()));
            }
        }
        local(s, cwd)
    }
}

/// The backend part of a place as typed, the path left out (the rule above, without
/// looking at the config or the disk): `qnap://alice@host:8080/Public/x` →
/// `qnap://alice@host:8080`, `nas:/Public` → `nas:`, a local path → empty. The
/// commander keeps folder history and hotlist entries as this prefix and a path.
pub fn origin_of(target: &str) -> String {
    let target = target.trim();
    if let Some((scheme, rest)) = target.split_once("://") {
        let authority = rest.split('/').next().unwrap_or("");
        return format!("{scheme}://{authority}");
    }
    match split_profile(target) {
        Some((name, _)) => format!("{name}:"),
        None => String::new(),
    }
}

/// `NAME` and the rest when `s` looks like `NAME:rest` with a valid profile name.
fn split_profile(s: &str) -> Option<(&str, &str)> {
    let (name, rest) = s.split_once(':')?;
    is_profile_name(name).then_some((name, rest))
}

/// Profile names: letters, digits, `.`, `_`, `-`; not empty.
pub fn is_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn parse_vpath(target: &str, p: &str) -> Result<VPath, RemoteError> {
    VPath::parse(p).map_err(|e| RemoteError::BadTarget {
        target: target.to_owned(),
        reason: e.to_string(),
    })
}

fn local(s: &str, cwd: &Path) -> Result<Target, RemoteError> {
    let abs: PathBuf = if Path::new(s).is_absolute() {
        PathBuf::from(s)
    } else {
        cwd.join(s)
    };
    let text = abs.to_str().ok_or_else(|| RemoteError::BadTarget {
        target: s.to_owned(),
        reason: "local paths must be valid UTF-8".to_owned(),
    })?;
    Ok(Target::Local(parse_vpath(s, text)?))
}

/// Parses the URL forms; `Ok(None)` when `s` is not one.
fn parse_url_form(s: &str) -> Result<Option<Target>, RemoteError> {
    let Some((scheme, _)) = s.split_once("://") else {
        return Ok(None);
    };
    let Some((connector, form)) = crate::nas::registry::by_scheme(scheme) else {
        return Ok(None);
    };
    let kind = RemoteKind::of(connector);
    let bad = |reason: &str| RemoteError::BadTarget {
        // Never echo a URL that may hold a password.
        target: format!("{scheme}://…"),
        reason: reason.to_owned(),
    };
    let url = Url::parse(s).map_err(|e| bad(&e.to_string()))?;
    if url.password().is_some() {
        return Err(bad(
            "a password in the URL would be visible to other users (ps); \
             use NASCMD_PASSWORD or `nascmd remote add`",
        ));
    }
    let host = url.host_str().ok_or_else(|| bad("no host"))?;
    let port = url.port().unwrap_or(form.default_port);
    let http = if form.https { "https" } else { "http" };
    let user = match url.username() {
        "" => None,
        u => Some(percent_decode(u).ok_or_else(|| bad("the user name is not valid UTF-8"))?),
    };
    if let Some(needs_user) = connector.url_needs_user()
        && user.is_none()
    {
        return Err(bad(needs_user));
    }
    let path = percent_decode(url.path()).ok_or_else(|| bad("the path is not valid UTF-8"))?;
    let remote = RemoteSpec {
        kind,
        base_url: format!("{http}://{}:{port}", host),
        user,
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    Ok(Some(Target::Remote {
        remote,
        path: parse_vpath(s, &path)?,
    }))
}

/// Decodes `%XX` escapes (URL user names and paths); `None` if not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
}

/// Checks a profile URL (`http(s)://host[:port]`) and drops a trailing `/`.
pub fn normalise_base_url(url: &str) -> Result<String, String> {
    let parsed = Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("{url:?} must start with http:// or https://"));
    }
    if parsed.host_str().is_none() {
        return Err(format!("{url:?} has no host"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("put the user in --user, never in the URL".to_owned());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RemoteProfile;

    fn config() -> Config {
        let mut c = Config::default();
        c.remote.push(RemoteProfile {
            name: "nas".into(),
            kind: RemoteKind::Qnap,
            url: "http://10.0.0.2:8080/".into(),
            user: Some("admin".into()),
            share_host: Some("nas.example.org".into()),
            cert_sha256: None,
        });
        c
    }

    #[test]
    fn profile_form() {
        let cwd = Path::new("/tmp");
        let t = Target::parse_in("nas:/Public/a b", &config(), cwd).unwrap();
        let Target::Remote { remote, path } = t else {
            panic!("not remote")
        };
        assert_eq!(remote.base_url, "http://10.0.0.2:8080");
        assert_eq!(remote.user.as_deref(), Some("admin"));
        assert_eq!(remote.profile.as_deref(), Some("nas"));
        assert_eq!(path.as_str(), "/Public/a b");
        let root = Target::parse_in("nas:", &config(), cwd).unwrap();
        assert_eq!(root.path().as_str(), "/");
    }

    #[test]
    fn url_forms() {
        let c = Config::default();
        let cwd = Path::new("/");
        let t = Target::parse_in("qnap://me%40x@nas.lan:8081/Public/d%20ir", &c, cwd).unwrap();
        let Target::Remote { remote, path } = t else {
            panic!()
        };
        assert_eq!(remote.base_url, "http://nas.lan:8081");
        assert_eq!(remote.user.as_deref(), Some("me@x"));
        assert_eq!(path.as_str(), "/Public/d ir");
        let t = Target::parse_in("qnaps://u@nas/", &c, cwd).unwrap();
        let Target::Remote { remote, .. } = t else {
            panic!()
        };
        assert_eq!(remote.base_url, "https://nas:443");
        let t = Target::parse_in("freebox://mafreebox.freebox.fr/Disque dur", &c, cwd).unwrap();
        let Target::Remote { remote, path } = t else {
            panic!()
        };
        assert_eq!(remote.kind, RemoteKind::Freebox);
        assert_eq!(remote.base_url, "http://mafreebox.freebox.fr:80");
        assert_eq!(path.as_str(), "/Disque dur");
        let t = Target::parse_in("qnap://[::1]:9000/x", &c, cwd);
        assert!(matches!(t, Err(RemoteError::BadTarget { .. })), "{t:?}");
        let t = Target::parse_in("qnap://u@[::1]:9000/x", &c, cwd).unwrap();
        let Target::Remote { remote, .. } = t else {
            panic!()
        };
        assert_eq!(remote.base_url, "http://[::1]:9000");
    }

    #[test]
    fn url_with_password_is_refused_without_echo() {
        let e = Target::parse_in("qnap://u:hunter2@nas/", &Config::default(), Path::new("/"))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(e.contains("password"), "{e}");
    }

    #[test]
    fn colon_paths_stay_local_when_no_profile_has_the_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("C:"), b"x").unwrap();
        std::fs::write(dir.path().join("notes:2024.txt"), b"x").unwrap();
        let c = config();
        for name in ["C:", "notes:2024.txt", "./x:y", "plain"] {
            let t = Target::parse_in(name, &c, dir.path()).unwrap();
            assert!(t.is_local(), "{name}");
        }
        let t = Target::parse_in("C:", &c, dir.path()).unwrap();
        assert_eq!(
            t.path().as_str(),
            format!("{}/C:", dir.path().display()).as_str()
        );
        // Unknown profile and no such local file: an error, not a new local folder.
        let e = Target::parse_in("nsa:/Public", &c, dir.path()).unwrap_err();
        assert!(
            matches!(e, RemoteError::UnknownRemote(ref n) if n == "nsa"),
            "{e:?}"
        );
    }
}
