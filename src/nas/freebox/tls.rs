//! The HTTP client of the Freebox backend, on the shared TLS trust of `nas::tls`.
//!
//! A Freebox reached over HTTPS (`https://mafreebox.freebox.fr`, or remotely at
//! `https://{api_domain}:{https_port}`) presents a certificate chaining to one of Free's
//! private roots, which no operating system trusts: [`Trust::freebox`] adds them to the
//! web roots and verifies normally (chain, validity, host name).
//!
//! Known defect of the box's leaf certificate: it carries no Authority Key Identifier,
//! which makes strict OpenSSL-based clients fail ("Missing Authority Key Identifier").
//! rustls/webpki builds chains by issuer name and signature and ignores the AKI
//! extension entirely, so the chain is accepted without relaxing anything
//! (`tests/freebox_transfers.rs` checks it with a private root and an AKI-less leaf in
//! front of the emulator, API calls, WebSocket upload and download included). webpki
//! does require the host name to be in the leaf's subjectAltName (it never falls back to
//! the subject CN); whether every firmware's leaf carries a SAN has not been verified
//! against a real box.
//!
//! The shared configuration offers only HTTP/1.1 (ALPN), so the same client also
//! performs the WebSocket upgrade of the upload API.

use std::time::Duration;

use crate::nas::tls::{Trust, client_builder};
use crate::vfs::{VfsError, VfsResult};

/// How long to wait for a TCP/TLS connection to the box.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a read may stall before the transfer is declared dead (a download that keeps
/// moving is never cut, however long it takes).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The client for API calls, downloads and the upload socket, trusting `trust`.
pub fn http_client_with(trust: &Trust) -> VfsResult<reqwest::Client> {
    client_builder(trust)
        .map_err(|e| VfsError::InvalidName(format!("TLS trust: {e}")))?
        .user_agent(concat!("nascmd/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(|_| VfsError::Network("could not set up the HTTP client".into()))
}

/// The client with the Freebox trust (web roots + Free's root CAs).
pub fn http_client() -> VfsResult<reqwest::Client> {
    http_client_with(&Trust::freebox())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_build() {
        assert!(http_client().is_ok());
        assert!(http_client_with(&Trust::WebPki).is_ok());
        let bad = Trust::ExtraRoots(vec![b"not a pem".to_vec()]);
        assert!(matches!(
            http_client_with(&bad),
            Err(VfsError::InvalidName(_))
        ));
    }
}
