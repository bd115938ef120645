//! `VPath`: an absolute, normalised, `/`-separated path inside one backend.
//!
//! Every backend (local disk, QNAP, Freebox) is addressed with the same path type so the
//! job engine and the UI never care which one they talk to. A `VPath` is built only by
//! [`VPath::parse`] (user input, normalised, `..` refused above the root) or by
//! [`VPath::join`] (one validated name), so a name that came from a server can never climb
//! out of the folder it was listed in.

use std::fmt;

use super::VfsError;

/// The longest path any backend takes (Linux's `PATH_MAX`, the NAS boxes included).
pub const PATH_MAX: usize = 4096;

/// An absolute path: `/` or `/a/b`. Never ends with `/` (except the root), never holds
/// `.`/`..` components, empty components or NUL.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct VPath(String);

impl VPath {
    /// The root, `/`.
    pub fn root() -> Self {
        VPath("/".to_owned())
    }

    /// Parses a path typed by a user or given on a command line. `.` and empty components
    /// are dropped, `..` pops one component and is refused above the root.
    pub fn parse(s: &str) -> Result<Self, VfsError> {
        // Every backend is a Linux file system (PATH_MAX): a longer path cannot name
        // anything, and sent to a NAS it only earns an obscure HTTP failure.
        if s.len() > PATH_MAX {
            return Err(VfsError::InvalidName(format!(
                "{} (the path is {} bytes long; at most {PATH_MAX})",
                crate::names::shorten(s, 60),
                s.len()
            )));
        }
        if s.contains('\0') {
            return Err(VfsError::InvalidName(s.replace('\0', "\\0")));
        }
        let mut parts: Vec<&str> = Vec::new();
        for comp in s.split('/') {
            match comp {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        return Err(VfsError::InvalidName(s.to_owned()));
                    }
                }
                c => parts.push(c),
            }
        }
        Ok(VPath(format!("/{}", parts.join("/"))))
    }

    /// Appends one name. The name must be a single component: no `/`, not `.` or `..`,
    /// not empty, no NUL. Names from servers go through here, which is what keeps a
    /// hostile listing from writing outside the target folder.
    pub fn join(&self, name: &str) -> Result<Self, VfsError> {
        check_name(name)?;
        if self.is_root() {
            Ok(VPath(format!("/{name}")))
        } else {
            Ok(VPath(format!("{}/{name}", self.0)))
        }
    }

    /// Appends a relative `a/b/c` path, validating each component.
    pub fn join_rel(&self, rel: &str) -> Result<Self, VfsError> {
        let mut p = self.clone();
        for comp in rel.split('/').filter(|c| !c.is_empty()) {
            p = p.join(comp)?;
        }
        Ok(p)
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last component, or `""` for the root.
    pub fn name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or("")
    }

    /// The parent folder; the root is its own parent.
    pub fn parent(&self) -> VPath {
        match self.0.rfind('/') {
            Some(0) | None => VPath::root(),
            Some(i) => VPath(self.0[..i].to_owned()),
        }
    }

    /// The components, without the leading root.
    pub fn components(&self) -> impl Iterator<Item = &str> {
        self.0.split('/').filter(|c| !c.is_empty())
    }

    /// True when `self` is `other` or lies inside it.
    pub fn starts_with(&self, other: &VPath) -> bool {
        other.is_root()
            || self.0 == other.0
            || (self.0.starts_with(&other.0) && self.0.as_bytes().get(other.0.len()) == Some(&b'/'))
    }

    /// The path of `self` relative to `base` (`a/b`), if it lies inside it.
    pub fn strip_prefix(&self, base: &VPath) -> Option<&str> {
        if !self.starts_with(base) {
            return None;
        }
        if base.is_root() {
            Some(self.0.trim_start_matches('/'))
        } else {
            Some(self.0[base.0.len()..].trim_start_matches('/'))
        }
    }
}

/// Checks that `name` is one safe path component.
pub fn check_name(name: &str) -> Result<(), VfsError> {
    if name.is_empty() || name == "." || name == ".." || name.contains('/') || name.contains('\0') {
        return Err(VfsError::InvalidName(
            crate::names::escape(name).into_owned(),
        ));
    }
    Ok(())
}

impl fmt::Display for VPath {
    /// Displays the path with control characters escaped (safe for a terminal).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::names::escape(&self.0))
    }
}

impl fmt::Debug for VPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VPath({:?})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_past_path_max_is_refused_with_a_short_message() {
        let long = format!("/Public/{}", "a/".repeat(50_000));
        let err = VPath::parse(&long).unwrap_err().to_string();
        assert!(err.contains("at most 4096"), "{err}");
        assert!(err.len() < 200, "{err}");
        assert!(VPath::parse(&format!("/{}", "b".repeat(PATH_MAX - 1))).is_ok());
    }

    #[test]
    fn parse_normalises() {
        assert_eq!(VPath::parse("a//b/./c/").unwrap().as_str(), "/a/b/c");
        assert_eq!(VPath::parse("/a/b/../c").unwrap().as_str(), "/a/c");
        assert_eq!(VPath::parse("").unwrap().as_str(), "/");
        assert!(VPath::parse("/..").is_err());
        assert!(VPath::parse("/a/\0").is_err());
    }

    #[test]
    fn join_refuses_hostile_names() {
        let d = VPath::parse("/Public").unwrap();
        for bad in ["..", ".", "", "a/b", "x\0y", "../../etc"] {
            assert!(d.join(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(d.join("ok name").unwrap().as_str(), "/Public/ok name");
        assert_eq!(VPath::root().join("x").unwrap().as_str(), "/x");
    }

    #[test]
    fn parent_name_prefix() {
        let p = VPath::parse("/a/b/c").unwrap();
        assert_eq!(p.name(), "c");
        assert_eq!(p.parent().as_str(), "/a/b");
        assert_eq!(VPath::parse("/a").unwrap().parent(), VPath::root());
        assert!(p.starts_with(&VPath::parse("/a").unwrap()));
        assert!(
            !VPath::parse("/ab")
                .unwrap()
                .starts_with(&VPath::parse("/a").unwrap())
        );
        assert_eq!(p.strip_prefix(&VPath::parse("/a").unwrap()), Some("b/c"));
        assert_eq!(p.strip_prefix(&VPath::root()), Some("a/b/c"));
    }
}
