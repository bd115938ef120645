//! The certificate verifier for [`super::Trust::Pinned`]: the server's leaf certificate
//! must be byte-for-byte the pinned one, and the handshake signature must verify with
//! that certificate's key (so a man in the middle replaying the certificate fails).

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use subtle::ConstantTimeEq;

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
pub(super) struct PinnedCertVerifier {
    pin: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
}

impl PinnedCertVerifier {
    pub(super) fn new(pin: [u8; 32], provider: &CryptoProvider) -> Self {
        Self {
            pin,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for PinnedCertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = super::sha256(end_entity);
        if bool::from(presented.ct_eq(&self.pin)) {
            return Ok(ServerCertVerified::assertion());
        }
        let mismatch = PinMismatch {
            presented: super::format_fingerprint(&presented),
        };
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(mismatch)),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}
