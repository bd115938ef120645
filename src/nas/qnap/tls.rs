//! TLS trust for a NAS. Verified against the webpki roots by default (plus any extra
//! root from `QnapConfig::extra_root_pem`). A NAS with the self-signed certificate QTS
//! ships with is trusted by pinning that certificate's SHA-256 fingerprint, learned on
//! first use like an SSH `known_hosts` entry ([`probe_certificate`] shows it to the
//! user), never by turning verification off.

use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::QnapConfig;
use crate::vfs::{VfsError, VfsResult};

/// `AB:CD:…` (64 hex digits) of the SHA-256 of a certificate's DER.
pub fn fingerprint(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Parses a fingerprint written with or without `:` separators, any case.
pub fn parse_fingerprint(s: &str) -> VfsResult<[u8; 32]> {
    let hex: String = s
        .chars()
        .filter(|c| *c != ':' && !c.is_whitespace())
        .collect();
    let bad = || VfsError::Protocol("the certificate pin is not a SHA-256 fingerprint".into());
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(extra_pem: Option<&[u8]>) -> VfsResult<RootCertStore> {
    let mut store = RootCertStore::empty();
    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(pem) = extra_pem {
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|_| {
                VfsError::Protocol("the extra root certificate is not valid PEM".into())
            })?;
            store.add(cert).map_err(|_| {
                VfsError::Protocol("the extra root certificate cannot be used".into())
            })?;
        }
    }
    Ok(store)
}

/// Accepts the pinned certificate, or anything the normal web PKI accepts.
#[derive(Debug)]
struct Verifier {
    pin: Option<[u8; 32]>,
    webpki: Option<Arc<WebPkiServerVerifier>>,
    provider: Arc<CryptoProvider>,
    /// Probe mode: remember the certificate's fingerprint (and accept it, since the
    /// probe sends nothing secret).
    seen: Option<Arc<Mutex<Option<String>>>>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(seen) = &self.seen {
            if let Ok(mut s) = seen.lock() {
                *s = Some(fingerprint(end_entity));
            }
            return Ok(ServerCertVerified::assertion());
        }
        if let Some(pin) = &self.pin {
            let got = ring::digest::digest(&ring::digest::SHA256, end_entity);
            if got.as_ref() == pin {
                return Ok(ServerCertVerified::assertion());
            }
        }
        match &self.webpki {
            Some(w) => w.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => Err(rustls::Error::General("certificate not trusted".into())),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

fn client_config(verifier: Verifier) -> VfsResult<rustls::ClientConfig> {
    let provider = verifier.provider.clone();
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| VfsError::Network("TLS setup failed".into()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Applies the trust settings of `cfg` to a reqwest client under construction.
pub fn configure(
    builder: reqwest::ClientBuilder,
    cfg: &QnapConfig,
) -> VfsResult<reqwest::ClientBuilder> {
    let pin = cfg
        .cert_sha256
        .as_deref()
        .map(parse_fingerprint)
        .transpose()?;
    if pin.is_none() && cfg.extra_root_pem.is_none() {
        return Ok(builder);
    }
    let provider = provider();
    let webpki = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots(cfg.extra_root_pem.as_deref())?),
        provider.clone(),
    )
    .build()
    .map_err(|_| VfsError::Network("TLS setup failed".into()))?;
    let config = client_config(Verifier {
        pin,
        webpki: Some(webpki),
        provider,
        seen: None,
    })?;
    Ok(builder.use_preconfigured_tls(config))
}

/// Connects to an https NAS without trusting it, only to read its certificate's
/// SHA-256 fingerprint for the user to confirm (trust on first use). Sends no
/// credentials.
pub async fn probe_certificate(base_url: &str) -> VfsResult<String> {
    let url = reqwest::Url::parse(base_url.trim())
        .map_err(|_| VfsError::Protocol("the NAS address is not a valid URL".into()))?;
    if url.scheme() != "https" {
        return Err(VfsError::Protocol(
            "only an https:// address has a certificate".into(),
        ));
    }
    let seen = Arc::new(Mutex::new(None));
    let config = client_config(Verifier {
        pin: None,
        webpki: None,
        provider: provider(),
        seen: Some(seen.clone()),
    })?;
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(config)
        .connect_timeout(std::time::Duration::from_secs(15))
        .timeout(std::time::Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| VfsError::Network("could not set up the HTTP client".into()))?;
    // Only the handshake matters; any HTTP answer (or none) is fine.
    let _ = http.head(url).send().await;
    let fp = seen.lock().ok().and_then(|s| s.clone());
    fp.ok_or_else(|| VfsError::Network("no TLS certificate received from the NAS".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_round_trip() {
        let fp = fingerprint(b"not really a certificate");
        assert_eq!(fp.len(), 32 * 3 - 1);
        let raw = parse_fingerprint(&fp).unwrap();
        assert_eq!(
            parse_fingerprint(&fp.replace(':', "").to_lowercase()).unwrap(),
            raw
        );
        assert!(parse_fingerprint("AB:CD").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
    }

    /// A TLS server with a self-signed certificate answering every request "ok".
    async fn self_signed_server() -> (String, CertificateDer<'static>) {
        use rustls::pki_types::PrivateKeyDer;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let cert = CertificateDer::from_pem_slice(include_bytes!(
            "../../../tests/fixtures/qnap/tls/cert.pem"
        ))
        .unwrap();
        let key = PrivateKeyDer::from_pem_slice(include_bytes!(
            "../../../tests/fixtures/qnap/tls/key.pem"
        ))
        .unwrap();
        let server = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("https://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut buf = vec![0u8; 4096];
                    let mut got = Vec::new();
                    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => got.extend_from_slice(&buf[..n]),
                        }
                    }
                    let _ = tls
                        .write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                        )
                        .await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        (url, cert)
    }

    fn client_for(url: &str, pin: Option<String>) -> reqwest::Client {
        let cfg = QnapConfig {
            base_url: url.to_owned(),
            cert_sha256: pin,
            ..QnapConfig::default()
        };
        configure(reqwest::Client::builder(), &cfg)
            .unwrap()
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn pinned_self_signed_certificate_is_trusted_only_when_pinned() {
        let (url, cert) = self_signed_server().await;
        let fp = probe_certificate(&url).await.unwrap();
        assert_eq!(fp, fingerprint(&cert));
        let pinned = client_for(&url, Some(fp.to_lowercase().replace(':', "")));
        let body = pinned.get(&url).send().await.unwrap().text().await.unwrap();
        assert_eq!(body, "ok");
        // Verified by default: the self-signed NAS is refused without the pin...
        assert!(client_for(&url, None).get(&url).send().await.is_err());
        // ...and with a pin of another certificate.
        let wrong = client_for(&url, Some(fingerprint(b"another certificate")));
        assert!(wrong.get(&url).send().await.is_err());
        assert!(probe_certificate("http://127.0.0.1:1/").await.is_err());
    }
}
