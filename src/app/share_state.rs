//! The share-link settings and what the app has learnt about each NAS's links (hosts
//! for URLs, no access codes). A leaf: the `impl App` code that uses it is in `share.rs`
//! and `share_actions.rs`.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::vfs::{ShareHost, VfsHandle};

/// Share-link state of the app.
#[derive(Default)]
pub struct ShareState {
    /// Default lifetime of new links, as in the config (`7d`, `never`).
    pub expire: String,
    /// Generate an access code for every new link.
    pub access_code: bool,
    /// Host (and port) to put in URLs instead of the one the NAS is reached by, per
    /// backend label (a remote profile's `share_host`: DDNS, myQNAPcloud).
    pub hosts: HashMap<String, String>,
    /// Hosts each NAS offers for link URLs (`ShareLinks::share_hosts`), per backend label.
    pub offered_hosts: HashMap<String, Vec<ShareHost>>,
    /// Backends (labels) found to have no access codes: the default code is not tried.
    pub no_codes: HashSet<String>,
}

impl fmt::Debug for ShareState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareState")
            .field("expire", &self.expire)
            .field("access_code", &self.access_code)
            .finish_non_exhaustive()
    }
}

impl ShareState {
    /// Defaults from the config file's `[share]` section.
    pub fn new(expire: &str, access_code: bool) -> ShareState {
        ShareState {
            expire: expire.to_owned(),
            access_code,
            ..ShareState::default()
        }
    }

    pub(super) fn host_for(&self, vfs: &VfsHandle) -> Option<String> {
        self.hosts.get(&vfs.label()).cloned()
    }
}
