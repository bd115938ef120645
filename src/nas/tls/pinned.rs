//! The policy for [`super::Trust::Pinned`]: the server's leaf certificate must be the
//! pinned one (by SHA-256), and [`LeafVerifier`] still checks the handshake signature
//! with that certificate's key (so a man in the middle replaying the certificate fails).

use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::{CertificateError, OtherError};
use subtle::ConstantTimeEq;

use super::leaf::{LeafPolicy, LeafVerifier};

/// The server presented a certificate other than the pinned one. It carries the
/// presented fingerprint so the user can be told the certificate changed.
#[derive(Debug, thiserror::Error)]
#[error(
    "the server's certificate (SHA-256 {presented}) is not the one trusted for this NAS; \
     it was replaced, or someone is intercepting the connection"
)]
pub struct PinMismatch {
    pub presented: String,
}

#[derive(Debug)]
pub(super) struct Pin([u8; 32]);

impl LeafPolicy for Pin {
    fn check(&self, leaf: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        let presented = super::sha256(leaf);
        if bool::from(presented.ct_eq(&self.0)) {
            return Ok(());
        }
        let mismatch = PinMismatch {
            presented: super::format_fingerprint(&presented),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(mismatch)),
        )))
    }
}

/// A verifier that trusts exactly the certificate with this SHA-256.
pub(super) fn pinned_verifier(pin: [u8; 32], provider: &CryptoProvider) -> LeafVerifier<Pin> {
    LeafVerifier::new(Pin(pin), provider)
}
