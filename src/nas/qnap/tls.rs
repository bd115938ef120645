//! TLS trust of a QNAP connection, from its config: a pinned self-signed certificate
//! (trust on first use), extra root certificates, or the web PKI. The verifiers
//! themselves are shared with the Freebox client in [`crate::nas::tls`].

use super::QnapConfig;
use crate::nas::tls::{self, Trust};
use crate::vfs::{VfsError, VfsResult};

/// The trust `cfg` asks for; a pin wins over extra roots.
pub fn trust(cfg: &QnapConfig) -> Trust {
    match (&cfg.cert_sha256, &cfg.extra_root_pem) {
        (Some(pin), _) => Trust::Pinned(pin.clone()),
        (None, Some(pem)) => Trust::ExtraRoots(vec![pem.clone()]),
        (None, None) => Trust::WebPki,
    }
}

/// A reqwest builder that verifies the NAS as `cfg` says.
pub fn client_builder(cfg: &QnapConfig) -> VfsResult<reqwest::ClientBuilder> {
    tls::client_builder(&trust(cfg)).map_err(|e| VfsError::Protocol(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_wins_over_extra_roots() {
        let mut cfg = QnapConfig::default();
        assert_eq!(trust(&cfg), Trust::WebPki);
        cfg.extra_root_pem = Some(b"pem".to_vec());
        assert_eq!(trust(&cfg), Trust::ExtraRoots(vec![b"pem".to_vec()]));
        cfg.cert_sha256 = Some("AB".into());
        assert_eq!(trust(&cfg), Trust::Pinned("AB".into()));
        // A malformed pin is refused up front, not silently ignored.
        assert!(client_builder(&cfg).is_err());
    }
}
