//! Fetching a server's certificate to show the user before trusting it on first use.
//!
//! The probe's verifier records the leaf certificate and then REJECTS it, so the
//! handshake always aborts: no byte of application data can ever travel over a
//! connection nobody has decided to trust.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::{CertificateDer, ServerName};
use time::OffsetDateTime;
use tokio::net::TcpStream;

use super::TlsError;
use super::leaf::{LeafPolicy, LeafVerifier};
use crate::names::escape;

/// Connect + handshake budget: a NAS on the LAN answers in milliseconds, one behind a
/// slow uplink in a few seconds.
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server presented, for a "trust this certificate?" prompt. Text fields come
/// from the server and are already escaped for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    /// SHA-256 fingerprint of the leaf certificate, `AB:CD:…` (what to pin).
    pub sha256: String,
    pub subject: String,
    pub issuer: String,
    /// Validity start and end, `YYYY-MM-DD hh:mm:ss UTC`.
    pub not_before: String,
    pub not_after: String,
    /// Subject and issuer are the same name (a NAS's factory certificate, typically).
    pub self_signed: bool,
}

/// Connects to the `https://` URL's host and port and returns its certificate without
/// trusting it (the handshake is aborted once the certificate has been seen).
pub async fn probe_certificate(url: &str) -> Result<CertInfo, TlsError> {
    let target = Target::parse(url)?;
    let address = target.display.clone();
    let der = tokio::time::timeout(PROBE_TIMEOUT, fetch_leaf(target))
        .await
        .map_err(|_| TlsError::Timeout {
            address,
            seconds: PROBE_TIMEOUT.as_secs(),
        })??;
    describe(&der)
}

/// Where to connect, parsed from the URL.
struct Target {
    server_name: ServerName<'static>,
    host: String,
    port: u16,
    /// `host:port` for messages.
    display: String,
}

impl Target {
    fn parse(url: &str) -> Result<Self, TlsError> {
        let bad = |reason| TlsError::BadUrl {
            url: escape(url).into_owned(),
            reason,
        };
        let parsed = reqwest::Url::parse(url).map_err(|_| bad("not a valid URL"))?;
        if parsed.scheme() != "https" {
            return Err(bad("only https:// URLs have a certificate"));
        }
        let port = parsed
            .port_or_known_default()
            .ok_or_else(|| bad("no port"))?;
        let display = format!(
            "{}:{port}",
            parsed.host_str().ok_or_else(|| bad("no host"))?
        );
        // `host_str` keeps IPv6 literals in brackets; the socket and SNI want them bare.
        let host = parsed
            .host_str()
            .unwrap_or_default()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let server_name = ServerName::try_from(host.clone())
            .map_err(|_| bad("the host is neither a DNS name nor an IP address"))?;
        Ok(Self {
            server_name,
            host,
            port,
            display,
        })
    }

    async fn connect(&self) -> std::io::Result<TcpStream> {
        match self.host.parse::<std::net::IpAddr>() {
            Ok(ip) => TcpStream::connect(SocketAddr::new(ip, self.port)).await,
            Err(_) => TcpStream::connect((self.host.as_str(), self.port)).await,
        }
    }
}

async fn fetch_leaf(target: Target) -> Result<CertificateDer<'static>, TlsError> {
    let tcp = target.connect().await.map_err(|source| TlsError::Connect {
        address: target.display.clone(),
        source,
    })?;
    let provider = super::ring_provider();
    let capture = Arc::new(LeafVerifier::new(Capture::default(), &provider));
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(capture.clone())
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    // Always an error: the verifier refuses every certificate by design.
    let outcome = connector.connect(target.server_name.clone(), tcp).await;
    if let Some(leaf) = capture.policy.take() {
        return Ok(leaf);
    }
    let source = match outcome {
        Err(e) => e,
        Ok(_) => std::io::Error::other("handshake finished without a certificate"),
    };
    Err(TlsError::Handshake {
        address: target.display,
        source,
    })
}

fn describe(der: &CertificateDer<'_>) -> Result<CertInfo, TlsError> {
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| TlsError::BadCertificate(e.to_string()))?;
    let validity = cert.validity();
    Ok(CertInfo {
        sha256: super::certificate_fingerprint(der),
        subject: escape(&cert.subject().to_string()).into_owned(),
        issuer: escape(&cert.issuer().to_string()).into_owned(),
        not_before: format_utc(validity.not_before.to_datetime()),
        not_after: format_utc(validity.not_after.to_datetime()),
        self_signed: cert.subject().as_raw() == cert.issuer().as_raw(),
    })
}

fn format_utc(t: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| "unknown".to_owned())
}

/// Records the leaf certificate, then refuses it.
#[derive(Debug, Default)]
struct Capture {
    leaf: Mutex<Option<CertificateDer<'static>>>,
}

impl Capture {
    fn take(&self) -> Option<CertificateDer<'static>> {
        self.leaf.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

impl LeafPolicy for Capture {
    fn check(&self, leaf: &CertificateDer<'_>) -> Result<(), rustls::Error> {
        *self.leaf.lock().unwrap_or_else(|e| e.into_inner()) = Some(leaf.clone().into_owned());
        Err(rustls::Error::General(
            "certificate probe: not trusted yet".to_owned(),
        ))
    }
}
