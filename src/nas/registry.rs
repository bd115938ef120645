//! The NAS kinds nascmd knows. Adding one: a folder under `src/nas/` with a
//! `connector.rs`, and one line in [`CONNECTORS`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::connector::{Connector, Scheme};

/// Every kind, in the order help texts list them.
static CONNECTORS: &[&dyn Connector] = &[
    &super::qnap::connector::QnapConnector,
    &super::freebox::connector::FreeboxConnector,
];

/// All connectors.
pub fn all() -> &'static [&'static dyn Connector] {
    CONNECTORS
}

/// The connector of a kind name (`qnap`), if there is one.
pub fn find(kind: &str) -> Option<&'static dyn Connector> {
    CONNECTORS.iter().copied().find(|c| c.kind() == kind)
}

/// The connector and scheme of a URL scheme (`qnaps`, any case).
pub fn by_scheme(scheme: &str) -> Option<(&'static dyn Connector, &'static Scheme)> {
    CONNECTORS.iter().copied().find_map(|c| {
        c.schemes()
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(scheme))
            .map(|s| (c, s))
    })
}

/// A NAS kind as the config file names it (`kind = "qnap"`): always one the registry
/// knows, since it is only made from a connector.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RemoteKind(&'static str);

#[allow(non_upper_case_globals)]
impl RemoteKind {
    /// QNAP (File Station).
    pub const Qnap: RemoteKind = RemoteKind("qnap");
    /// Freebox (Freebox OS).
    pub const Freebox: RemoteKind = RemoteKind("freebox");

    /// The kind of a name the registry knows.
    pub fn parse(name: &str) -> Option<RemoteKind> {
        find(name).map(|c| RemoteKind(c.kind()))
    }

    /// The kind a connector logs in to.
    pub fn of(connector: &dyn Connector) -> RemoteKind {
        RemoteKind(connector.kind())
    }

    /// The name in the config file.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// How to log in to this kind.
    pub fn connector(self) -> Option<&'static dyn Connector> {
        find(self.0)
    }
}

impl fmt::Debug for RemoteKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for RemoteKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for RemoteKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        RemoteKind::parse(&name).ok_or_else(|| {
            let known: Vec<String> = all().iter().map(|c| format!("`{}`", c.kind())).collect();
            serde::de::Error::custom(format!(
                "unknown variant `{name}`, expected {}",
                known.join(" or ")
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_scheme_is_found_once() {
        for c in all() {
            assert_eq!(find(c.kind()).map(|f| f.kind()), Some(c.kind()));
            for s in c.schemes() {
                let (found, scheme) = by_scheme(&s.name.to_ascii_uppercase()).unwrap();
                assert_eq!((found.kind(), scheme), (c.kind(), s));
            }
        }
        assert!(find("synology").is_none());
        assert!(by_scheme("http").is_none());
    }

    #[test]
    fn kinds_read_and_write_their_config_name() {
        #[derive(Serialize, Deserialize)]
        struct Profile {
            kind: RemoteKind,
        }
        let p: Profile = toml::from_str("kind = \"freebox\"").unwrap();
        assert_eq!(p.kind, RemoteKind::Freebox);
        assert_eq!(p.kind.connector().map(|c| c.kind()), Some("freebox"));
        let text = toml::to_string(&Profile {
            kind: RemoteKind::Qnap,
        })
        .unwrap();
        assert_eq!(text.trim(), "kind = \"qnap\"");
        let e = toml::from_str::<Profile>("kind = \"nfs\"")
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("unknown variant `nfs`, expected `qnap` or `freebox`"),
            "{e}"
        );
    }
}
