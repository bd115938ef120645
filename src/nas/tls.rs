//! TLS trust for the NAS clients: one place that turns "how do we trust this box" into a
//! rustls configuration for reqwest.
//!
//! Verification is never switched off. A NAS with a public certificate uses the web PKI;
//! a Freebox adds Free's private root CAs; a NAS with a self-signed certificate is trusted
//! by pinning the SHA-256 fingerprint of that exact certificate, the way SSH's
//! `known_hosts` pins a host key. [`probe_certificate`] fetches what to show the user
//! before pinning, without ever completing a handshake with the untrusted server.
//!
//! A client builds its HTTP client from the profile's trust and adds its own settings:
//!
//! ```ignore
//! let trust = match &profile.cert_sha256 {
//!     Some(pin) => Trust::Pinned(pin.clone()),
//!     None => Trust::WebPki,
//! };
//! let http = tls::client_builder(&trust)?
//!     .pool_max_idle_per_host(4)
//!     .connect_timeout(Duration::from_secs(10))
//!     .build()?;
//! ```
//!
//! When a request fails, [`certificate_rejection`] tells a refused certificate from a
//! network error (an unknown issuer on a fresh NAS means: probe, ask, pin), and
//! [`find_pin_mismatch`] tells that a pinned certificate changed.

mod leaf;
mod pinned;
mod probe;

use std::error::Error as StdError;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore};

pub use pinned::PinMismatch;
pub use probe::{CertInfo, probe_certificate};

/// How a NAS connection decides whether to trust the server's certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    /// Public web PKI (the bundled webpki roots), host name verified. The default.
    #[default]
    WebPki,
    /// The web PKI plus extra trust anchors given as PEM (or DER) bytes, e.g. Free's root
    /// CAs for a Freebox. Host names are still verified.
    ExtraRoots(Vec<Vec<u8>>),
    /// Trust exactly the certificate whose SHA-256 fingerprint is given (hex, colons
    /// optional, any case): a self-signed NAS trusted on first use. The host name need not
    /// match (NAS certificates are issued to "QNAP NAS" and the like) and the dates are not
    /// checked, but the server must still prove it holds that certificate's private key.
    Pinned(String),
}

/// Free's and Iliad's root CAs (PEM): what a Freebox or Iliadbox certificate chains to.
pub const FREE_ROOT_CAS_PEM: &[u8] = include_bytes!("tls/free_root_cas.pem");

impl Trust {
    /// The trust for a Freebox / Iliadbox: the web PKI plus [`FREE_ROOT_CAS_PEM`], host
    /// name verified (use the box's `api_domain` or `mafreebox.freebox.fr`).
    pub fn freebox() -> Self {
        Trust::ExtraRoots(vec![FREE_ROOT_CAS_PEM.to_vec()])
    }
}

/// Why a TLS configuration or a certificate probe failed.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("not a SHA-256 certificate fingerprint ({0}); expected 32 bytes in hex, e.g. AB:CD:…")]
    BadFingerprint(&'static str),
    #[error("extra root certificate #{index} is unusable: {reason}")]
    BadRootCertificate { index: usize, reason: String },
    #[error("TLS setup failed: {0}")]
    Config(#[from] rustls::Error),
    #[error("cannot probe the certificate of {url}: {reason}")]
    BadUrl { url: String, reason: &'static str },
    #[error("cannot connect to {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no TLS handshake with {address} within {seconds} s")]
    Timeout { address: String, seconds: u64 },
    #[error("TLS handshake with {address} failed before a certificate was sent: {source}")]
    Handshake {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the server certificate: {0}")]
    BadCertificate(String),
}

/// A reqwest client builder whose TLS trusts exactly what `trust` says. Add timeouts,
/// pool settings etc. and call `.build()`; reqwest's own certificate options
/// (`danger_accept_invalid_certs`, extra roots) are ignored once this is set.
pub fn client_builder(trust: &Trust) -> Result<reqwest::ClientBuilder, TlsError> {
    let config = client_config(trust)?;
    Ok(reqwest::Client::builder().use_preconfigured_tls(config))
}

/// The rustls configuration behind [`client_builder`], for connections reqwest does not
/// make itself (a WebSocket upload, for instance). Offers only HTTP/1.1 via ALPN, which
/// is what the NAS APIs and a WebSocket upgrade need.
pub fn client_config(trust: &Trust) -> Result<ClientConfig, TlsError> {
    let provider = ring_provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut config = match trust {
        Trust::WebPki => builder
            .with_root_certificates(web_pki_roots())
            .with_no_client_auth(),
        Trust::ExtraRoots(pems) => {
            let mut roots = web_pki_roots();
            add_extra_roots(&mut roots, pems)?;
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        Trust::Pinned(fingerprint) => {
            let pin = parse_fingerprint(fingerprint)?;
            let verifier = pinned::pinned_verifier(pin, &provider);
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The canonical form of a SHA-256 fingerprint: upper-case hex pairs joined by colons
/// (`AB:CD:…`, 95 characters). Accepts hex with or without colons, in any case, with
/// surrounding whitespace; colons, when used, must separate every byte.
pub fn normalize_fingerprint(s: &str) -> Result<String, TlsError> {
    parse_fingerprint(s).map(|bytes| format_fingerprint(&bytes))
}

/// The SHA-256 fingerprint of a DER certificate, in the form [`normalize_fingerprint`]
/// produces (what `openssl x509 -fingerprint -sha256` prints after the `=`).
pub fn certificate_fingerprint(der: &[u8]) -> String {
    format_fingerprint(&sha256(der))
}

/// Why the server's certificate was refused, if that is why a request failed: unknown
/// issuer (a self-signed NAS not pinned yet: offer [`probe_certificate`] and pinning),
/// wrong host name, expired, or a changed pinned certificate (see [`find_pin_mismatch`]).
pub fn certificate_rejection<'a>(
    err: &'a (dyn StdError + 'static),
) -> Option<&'a rustls::CertificateError> {
    match find_in_chain::<rustls::Error>(err)? {
        rustls::Error::InvalidCertificate(problem) => Some(problem),
        _ => None,
    }
}

/// A refused certificate in plain words (a changed pin names the presented fingerprint).
pub fn describe_rejection(problem: &rustls::CertificateError) -> String {
    use rustls::CertificateError as C;
    match problem {
        C::UnknownIssuer | C::BadSignature => {
            "it is self-signed or from an unknown authority".to_owned()
        }
        C::NotValidForName | C::NotValidForNameContext { .. } => {
            "it was issued for another host name".to_owned()
        }
        C::Expired | C::ExpiredContext { .. } => "it has expired".to_owned(),
        C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".to_owned(),
        C::Revoked => "it was revoked".to_owned(),
        C::InvalidPurpose | C::InvalidPurposeContext { .. } => {
            "it is not meant for a server".to_owned()
        }
        C::Other(other) => {
            if let Some(mismatch) = other.0.downcast_ref::<PinMismatch>() {
                mismatch.to_string()
            } else if let Some(webpki) = other.0.downcast_ref::<webpki::Error>() {
                describe_webpki(webpki)
            } else {
                tracing::debug!(problem = %other, "certificate refused");
                CHECK_FAILED.to_owned()
            }
        }
        other => {
            tracing::debug!(problem = ?other, "certificate refused");
            CHECK_FAILED.to_owned()
        }
    }
}

/// What is said of a refusal without a plainer sentence (its name goes to the log).
const CHECK_FAILED: &str = "it is malformed or of a kind that cannot be checked";

/// The certificate checker's own refusals that reach us wrapped as `Other`.
fn describe_webpki(e: &webpki::Error) -> String {
    use webpki::Error as W;
    match e {
        W::CaUsedAsEndEntity => {
            "it is a certificate authority's certificate, not one made for the NAS itself"
                .to_owned()
        }
        W::EndEntityUsedAsCa => "it was signed by a certificate that may not sign".to_owned(),
        W::CertExpired { .. } => "it has expired".to_owned(),
        W::CertNotValidYet { .. } => "it is not valid yet".to_owned(),
        W::CertNotValidForName(_) => "it was issued for another host name".to_owned(),
        W::UnknownIssuer => "it is self-signed or from an unknown authority".to_owned(),
        other => {
            tracing::debug!(problem = ?other, "certificate refused");
            CHECK_FAILED.to_owned()
        }
    }
}

/// The [`PinMismatch`] behind a failed request, if a pinned NAS now shows another
/// certificate; lets a client warn "the certificate changed" instead of "network error".
pub fn find_pin_mismatch<'a>(err: &'a (dyn StdError + 'static)) -> Option<&'a PinMismatch> {
    match certificate_rejection(err)? {
        rustls::CertificateError::Other(other) => other.0.downcast_ref::<PinMismatch>(),
        _ => None,
    }
}

/// The first `T` in an error's `source()` chain. Also looks inside `io::Error`s, whose
/// `source()` skips the error they wrap (which is where hyper puts rustls's error).
fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        let wrapped = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        if let Some(found) = wrapped.and_then(|inner| find_in_chain::<T>(inner)) {
            return Some(found);
        }
        current = e.source();
    }
    None
}

fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn web_pki_roots() -> RootCertStore {
    RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    }
}

/// Adds every certificate of every PEM bundle (or single DER certificate) as an anchor.
fn add_extra_roots(roots: &mut RootCertStore, bundles: &[Vec<u8>]) -> Result<(), TlsError> {
    for (index, bundle) in bundles.iter().enumerate() {
        let bad = |reason: String| TlsError::BadRootCertificate { index, reason };
        let certs = certificates_in(bundle).map_err(bad)?;
        for cert in certs {
            roots.add(cert).map_err(|e| bad(e.to_string()))?;
        }
    }
    Ok(())
}

fn certificates_in(bundle: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    // A DER certificate is one ASN.1 SEQUENCE; PEM is text.
    if bundle.first() == Some(&0x30) {
        return Ok(vec![CertificateDer::from(bundle.to_vec())]);
    }
    let certs = CertificateDer::pem_slice_iter(bundle)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not valid PEM: {e}"))?;
    if certs.is_empty() {
        return Err("no CERTIFICATE block in the PEM text".to_owned());
    }
    Ok(certs)
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let digest = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_ref());
    out
}

fn format_fingerprint(bytes: &[u8; 32]) -> String {
    let hex = data_encoding::HEXUPPER.encode(bytes);
    let pairs: Vec<&str> = hex
        .as_bytes()
        .chunks(2)
        .filter_map(|p| std::str::from_utf8(p).ok())
        .collect();
    pairs.join(":")
}

fn parse_fingerprint(s: &str) -> Result<[u8; 32], TlsError> {
    let s = s.trim();
    let hex: String = if s.contains(':') {
        let pairs: Vec<&str> = s.split(':').collect();
        if pairs.iter().any(|pair| pair.len() != 2) {
            return Err(TlsError::BadFingerprint(
                "colons must separate two-digit bytes",
            ));
        }
        pairs.concat()
    } else {
        s.to_owned()
    };
    if hex.len() != 64 {
        return Err(TlsError::BadFingerprint("wrong length"));
    }
    let bytes = data_encoding::HEXUPPER_PERMISSIVE
        .decode(hex.as_bytes())
        .map_err(|_| TlsError::BadFingerprint("only hex digits and colons allowed"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| TlsError::BadFingerprint("wrong length"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn refusals_are_said_in_words_not_library_names() {
        let wrapped =
            |e: webpki::Error| rustls::CertificateError::Other(rustls::OtherError(Arc::new(e)));
        let ca = describe_rejection(&wrapped(webpki::Error::CaUsedAsEndEntity));
        assert!(ca.contains("certificate authority"), "{ca}");
        for problem in [
            wrapped(webpki::Error::BadDer),
            rustls::CertificateError::UnhandledCriticalExtension,
            rustls::CertificateError::BadEncoding,
        ] {
            let said = describe_rejection(&problem);
            assert_eq!(said, CHECK_FAILED);
        }
        let self_signed = describe_rejection(&rustls::CertificateError::UnknownIssuer);
        assert!(self_signed.contains("self-signed"), "{self_signed}");
    }
}
