//! A rustls verifier that decides on the server's leaf certificate alone (pinning a
//! self-signed certificate, or capturing it to show the user), while the handshake
//! signatures are still checked against that certificate's key with the provider's
//! algorithms. The two uses differ only in their [`LeafPolicy`].

use std::fmt::Debug;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// What to make of the leaf certificate: `Ok` trusts it.
pub(super) trait LeafPolicy: Debug + Send + Sync {
    fn check(&self, leaf: &CertificateDer<'_>) -> Result<(), rustls::Error>;
}

#[derive(Debug)]
pub(super) struct LeafVerifier<P> {
    pub(super) policy: P,
    algorithms: WebPkiSupportedAlgorithms,
}

impl<P: LeafPolicy> LeafVerifier<P> {
    pub(super) fn new(policy: P, provider: &CryptoProvider) -> Self {
        Self {
            policy,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl<P: LeafPolicy> ServerCertVerifier for LeafVerifier<P> {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.policy
            .check(end_entity)
            .map(|()| ServerCertVerified::assertion())
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
