//! TLS trust for a Freebox: Free's own root CAs, bundled as extra trust anchors.
//!
//! A Freebox reached over HTTPS (`https://mafreebox.freebox.fr`, or remotely at
//! `https://{api_domain}:{https_port}`) presents a certificate chaining to one of Free's
//! private roots, which no operating system trusts. We add the three public roots below
//! to the usual web roots and verify normally: chain, validity and host name.
//!
//! Known defect of the box's leaf certificate: it carries no Authority Key Identifier,
//! which makes strict OpenSSL-based clients fail ("Missing Authority Key Identifier").
//! rustls/webpki builds chains by issuer name and signature and ignores the AKI
//! extension entirely, so the chain is accepted here without relaxing anything
//! (`tests/freebox_transfers.rs` checks it with a private root and an AKI-less leaf in
//! front of the emulator, API calls, WebSocket upload and download included). webpki
//! does require the host name to be in the leaf's subjectAltName (it never falls back to
//! the subject CN); whether every firmware's leaf carries a SAN has not been verified
//! against a real box.

use std::time::Duration;

use crate::vfs::{VfsError, VfsResult};

/// PEMs of Free's public root CAs, in `certs/`, with the SHA-256 fingerprint of each
/// (checked by a unit test against the values published in the protocol notes).
pub const FREE_ROOT_CAS: [(&str, &str); 3] = [
    (
        "Freebox ECC Root CA",
        include_str!("certs/freebox-ecc-root-ca.pem"),
    ),
    ("Freebox Root CA", include_str!("certs/freebox-root-ca.pem")),
    (
        "Iliadbox ECC Root CA",
        include_str!("certs/iliadbox-ecc-root-ca.pem"),
    ),
];

/// How long to wait for a TCP/TLS connection to the box.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a read may stall before the transfer is declared dead (a download that keeps
/// moving is never cut, however long it takes).
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads a PEM bundle of additional CA certificates (a custom-root option for a box
/// behind a reverse proxy, or a root Free adds later).
pub fn extra_roots(pem: &[u8]) -> VfsResult<Vec<reqwest::Certificate>> {
    let certs = reqwest::Certificate::from_pem_bundle(pem)
        .map_err(|_| VfsError::InvalidName("the extra CA file is not a PEM bundle".into()))?;
    if certs.is_empty() {
        return Err(VfsError::InvalidName(
            "the extra CA file holds no certificate".into(),
        ));
    }
    Ok(certs)
}

fn builder(extra: &[reqwest::Certificate]) -> VfsResult<reqwest::ClientBuilder> {
    let mut b = reqwest::Client::builder()
        .user_agent(concat!("nascmd/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .https_only(false);
    for (name, pem) in FREE_ROOT_CAS {
        let cert = reqwest::Certificate::from_pem(pem.as_bytes())
            .map_err(|_| VfsError::Protocol(format!("bundled certificate {name} is unreadable")))?;
        b = b.add_root_certificate(cert);
    }
    for cert in extra {
        b = b.add_root_certificate(cert.clone());
    }
    Ok(b)
}

/// The HTTP client for API calls and downloads.
pub fn http_client() -> VfsResult<reqwest::Client> {
    http_client_with(&[])
}

/// The HTTP client, also trusting `extra` roots.
pub fn http_client_with(extra: &[reqwest::Certificate]) -> VfsResult<reqwest::Client> {
    builder(extra)?
        .build()
        .map_err(|_| VfsError::Network("could not set up the HTTP client".into()))
}

/// A client restricted to HTTP/1.1, for the WebSocket upgrade (an h2 connection cannot
/// be upgraded).
pub fn upgrade_client_with(extra: &[reqwest::Certificate]) -> VfsResult<reqwest::Client> {
    builder(extra)?
        .http1_only()
        .build()
        .map_err(|_| VfsError::Network("could not set up the HTTP client".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use sha2::{Digest, Sha256};

    /// SHA-256 fingerprints as published in `shared/protocols/freebox.md` §1.3.
    const EXPECTED: [&str; 3] = [
        "23:CF:B7:26:36:BE:66:5D:BB:F2:FE:3E:05:27:90:47:71:A8:DF:F1:BA:CE:46:1D:8B:D6:9F:34:81:2C:24:44",
        "2B:D8:B5:BE:1A:99:0E:42:AD:1B:D7:9C:30:6E:B5:19:B6:37:EE:24:75:C0:D9:31:F2:57:53:56:10:E9:C3:E7",
        "A2:10:B1:DE:83:57:92:7F:13:3C:F5:17:BB:63:AC:99:FC:EA:79:97:5B:E5:12:62:BA:C9:DE:0E:A8:74:EB:DE",
    ];

    fn der_of(pem: &str) -> Vec<u8> {
        let body: String = pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect::<Vec<_>>()
            .concat();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    #[test]
    fn bundled_roots_match_published_fingerprints() {
        for ((name, pem), expected) in FREE_ROOT_CAS.iter().zip(EXPECTED) {
            assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 1, "{name}");
            let digest = Sha256::digest(der_of(pem));
            let hex: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
            assert_eq!(hex.join(":"), expected, "fingerprint of {name}");
        }
    }

    #[test]
    fn clients_build_with_the_roots() {
        assert!(http_client().is_ok());
        assert!(upgrade_client_with(&[]).is_ok());
        let extra = extra_roots(FREE_ROOT_CAS[0].1.as_bytes()).unwrap();
        assert_eq!(extra.len(), 1);
        assert!(http_client_with(&extra).is_ok());
        assert!(extra_roots(b"not a pem").is_err());
    }
}
