//! TLS trust against a real TLS server on 127.0.0.1 with freshly generated certificates.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use nascmd::nas::tls::{
    CertInfo, FREE_ROOT_CAS_PEM, TlsError, Trust, certificate_fingerprint, certificate_rejection,
    client_builder, find_pin_mismatch, normalize_fingerprint, probe_certificate,
};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const BODY: &str = "hello over tls";

/// A certificate and its PKCS#8 private key.
struct Identity {
    cert: CertificateDer<'static>,
    key: Vec<u8>,
}

impl Identity {
    fn private_key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()))
    }
}

/// A self-signed certificate like a NAS's factory one: CN "QNAP NAS", names that do not
/// include 127.0.0.1.
fn self_signed(common_name: &str) -> Identity {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["nas.invalid".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    let cert = params.self_signed(&key).unwrap();
    Identity {
        cert: cert.der().clone(),
        key: key.serialize_der(),
    }
}

/// A private CA and a leaf for `host` signed by it. Like the Freebox's leaf, it carries
/// no Authority Key Identifier.
fn ca_and_leaf(host: &str) -> (String, Identity, CertificateDer<'static>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Test Box Root CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();

    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(vec![host.to_owned()]).unwrap();
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, host);
    leaf_params.use_authority_key_identifier_extension = false;
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    let (_, parsed) = x509_parser::parse_x509_certificate(leaf.der()).unwrap();
    let aki = x509_parser::oid_registry::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER;
    assert!(parsed.get_extension_unique(&aki).unwrap().is_none());
    let identity = Identity {
        cert: leaf.der().clone(),
        key: leaf_key.serialize_der(),
    };
    (ca.pem(), identity, ca.der().clone())
}

fn server_config(identity: &Identity) -> ServerConfig {
    server_config_for(identity, rustls::DEFAULT_VERSIONS)
}

/// Older NAS firmware speaks TLS 1.2 only; the handshake signature is checked by a
/// different verifier method there.
const TLS12_ONLY: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];

fn server_config_for(
    identity: &Identity,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ServerConfig {
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![identity.cert.clone()], identity.private_key())
        .unwrap()
}

/// Presents `cert` while signing with an unrelated key: a man in the middle replaying a
/// NAS's (public) certificate.
#[derive(Debug)]
struct ReplayedCert(Arc<CertifiedKey>);

impl ResolvesServerCert for ReplayedCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
}

fn replaying_server_config(
    cert: &CertificateDer<'static>,
    attacker: &Identity,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> ServerConfig {
    let key = rustls::crypto::ring::sign::any_supported_type(&attacker.private_key()).unwrap();
    let certified = CertifiedKey::new(vec![cert.clone()], key);
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(ReplayedCert(Arc::new(certified))))
}

/// A TLS server on 127.0.0.1 answering every request with 200 and [`BODY`]; counts the
/// HTTP requests that reached it (i.e. got past the handshake).
struct TestServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl TestServer {
    async fn start(config: ServerConfig) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, config)
    }

    fn serve(listener: TcpListener, config: ServerConfig) -> Self {
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let counter = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    return;
                };
                let acceptor = acceptor.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    // Handshake failures are what several tests expect.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let mut request = Vec::new();
                    let mut buf = [0u8; 1024];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match tls.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{BODY}",
                        BODY.len()
                    );
                    let _ = tls.write_all(response.as_bytes()).await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        Self { addr, requests }
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}/", self.addr.port())
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn client(trust: &Trust) -> reqwest::ClientBuilder {
    client_builder(trust)
        .unwrap()
        .timeout(Duration::from_secs(20))
}

async fn get(client: reqwest::Client, url: &str) -> Result<String, String> {
    match client.get(url).send().await {
        Ok(response) => Ok(response.text().await.map_err(|e| error_chain(&e))?),
        Err(e) => Err(error_chain(&e)),
    }
}

/// The whole error chain as one line, as a user would be shown it.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// Fingerprint computed here independently of the module under test.
fn fingerprint_of(der: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[tokio::test]
async fn web_pki_refuses_a_self_signed_certificate() {
    let nas = self_signed("QNAP NAS");
    let server = TestServer::start(server_config(&nas)).await;
    let client = client(&Trust::WebPki).build().unwrap();
    let err = client.get(server.url()).send().await.unwrap_err();
    assert!(error_chain(&err).contains("certificate"), "{err}");
    // What a client checks to offer "trust this certificate?".
    assert_eq!(
        certificate_rejection(&err),
        Some(&rustls::CertificateError::UnknownIssuer)
    );
    assert!(find_pin_mismatch(&err).is_none());
    assert_eq!(
        server.requests(),
        0,
        "no request may pass an untrusted handshake"
    );
}

#[tokio::test]
async fn pinned_fingerprint_trusts_that_certificate_whatever_its_name() {
    for versions in [rustls::DEFAULT_VERSIONS, TLS12_ONLY] {
        let nas = self_signed("QNAP NAS");
        let server = TestServer::start(server_config_for(&nas, versions)).await;
        // Lower case without colons, as someone might paste it.
        let pin = fingerprint_of(&nas.cert).replace(':', "").to_lowercase();
        let body = get(client(&Trust::Pinned(pin)).build().unwrap(), &server.url())
            .await
            .unwrap();
        assert_eq!(body, BODY);
        assert_eq!(server.requests(), 1);
    }
}

#[tokio::test]
async fn pinned_wrong_fingerprint_is_refused_and_names_the_presented_one() {
    let nas = self_signed("QNAP NAS");
    let other = self_signed("QNAP NAS");
    let server = TestServer::start(server_config(&nas)).await;
    let trust = Trust::Pinned(fingerprint_of(&other.cert));
    let err = client(&trust)
        .build()
        .unwrap()
        .get(server.url())
        .send()
        .await
        .unwrap_err();
    let mismatch = find_pin_mismatch(&err).expect("a pin mismatch");
    assert_eq!(mismatch.presented, fingerprint_of(&nas.cert));
    assert!(mismatch.to_string().contains("not the one trusted"));
    assert!(error_chain(&err).contains(&fingerprint_of(&nas.cert)));
    assert_eq!(server.requests(), 0);
}

#[tokio::test]
async fn pinned_certificate_replayed_without_its_key_is_refused() {
    for versions in [rustls::DEFAULT_VERSIONS, TLS12_ONLY] {
        let nas = self_signed("QNAP NAS");
        let attacker = self_signed("QNAP NAS");
        let config = replaying_server_config(&nas.cert, &attacker, versions);
        let server = TestServer::start(config).await;
        let trust = Trust::Pinned(fingerprint_of(&nas.cert));
        let err = get(client(&trust).build().unwrap(), &server.url())
            .await
            .unwrap_err();
        assert!(err.to_lowercase().contains("signature"), "{err}");
        assert_eq!(server.requests(), 0);
    }
}

#[tokio::test]
async fn extra_root_trusts_its_leaf_for_the_right_host_only() {
    let (ca_pem, leaf, _) = ca_and_leaf("box.test");
    let server = TestServer::start(server_config(&leaf)).await;
    let url = |host: &str| format!("https://{host}:{}/", server.addr.port());
    let trust = Trust::ExtraRoots(vec![ca_pem.into_bytes()]);

    let right = client(&trust).resolve("box.test", server.addr);
    let body = get(right.build().unwrap(), &url("box.test")).await.unwrap();
    assert_eq!(body, BODY);

    let wrong = client(&trust).resolve("other.test", server.addr).build();
    let err = wrong
        .unwrap()
        .get(url("other.test"))
        .send()
        .await
        .unwrap_err();
    assert!(error_chain(&err).contains("certificate"), "{err}");
    assert!(
        matches!(
            certificate_rejection(&err),
            Some(rustls::CertificateError::NotValidForNameContext { .. })
        ),
        "{err}"
    );

    let public_only = client(&Trust::WebPki).resolve("box.test", server.addr);
    let err = get(public_only.build().unwrap(), &url("box.test"))
        .await
        .unwrap_err();
    assert!(err.contains("certificate"), "{err}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn extra_root_given_as_der_works_too() {
    let (_, leaf, ca_der) = ca_and_leaf("box.test");
    let server = TestServer::start(server_config(&leaf)).await;
    let trust = Trust::ExtraRoots(vec![ca_der.to_vec()]);
    let builder = client(&trust).resolve("box.test", server.addr);
    let url = format!("https://box.test:{}/", server.addr.port());
    assert_eq!(get(builder.build().unwrap(), &url).await.unwrap(), BODY);
}

#[test]
fn unusable_extra_roots_are_reported() {
    for bad in [
        b"just some text".to_vec(),
        b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
        vec![0x30, 0x03, 0x01, 0x01, 0x00],
    ] {
        let trust = Trust::ExtraRoots(vec![bad]);
        let err = client_builder(&trust).unwrap_err();
        assert!(
            matches!(err, TlsError::BadRootCertificate { index: 0, .. }),
            "{err}"
        );
    }
}

#[test]
fn a_malformed_pin_is_refused_when_building_the_client() {
    let err = client_builder(&Trust::Pinned("AA:BB".to_owned())).unwrap_err();
    assert!(matches!(err, TlsError::BadFingerprint(_)), "{err}");
}

#[tokio::test]
async fn probe_shows_the_certificate_without_sending_a_request_then_pinning_it_works() {
    let nas = self_signed("QNAP NAS");
    let server = TestServer::start(server_config(&nas)).await;

    let info: CertInfo = probe_certificate(&server.url()).await.unwrap();
    assert_eq!(info.sha256, fingerprint_of(&nas.cert));
    assert_eq!(info.sha256, certificate_fingerprint(&nas.cert));
    assert_eq!(info.subject, "CN=QNAP NAS");
    assert_eq!(info.issuer, "CN=QNAP NAS");
    assert!(info.self_signed);
    // rcgen's default validity.
    assert_eq!(info.not_before, "1975-01-01 00:00:00 UTC");
    assert_eq!(info.not_after, "4096-01-01 00:00:00 UTC");
    assert_eq!(server.requests(), 0, "the probe must not talk HTTP");

    // First use: the user accepted, the fingerprint is pinned.
    let trust = Trust::Pinned(info.sha256);
    let body = get(client(&trust).build().unwrap(), &server.url())
        .await
        .unwrap();
    assert_eq!(body, BODY);
}

#[tokio::test]
async fn probe_of_a_ca_signed_certificate_names_its_issuer() {
    let (_, leaf, _) = ca_and_leaf("box.test");
    let server = TestServer::start(server_config(&leaf)).await;
    let info = probe_certificate(&server.url()).await.unwrap();
    assert_eq!(info.sha256, fingerprint_of(&leaf.cert));
    assert_eq!(info.subject, "CN=box.test");
    assert_eq!(info.issuer, "CN=Test Box Root CA");
    assert!(!info.self_signed);
}

#[tokio::test]
async fn probe_and_pin_work_over_ipv6_literals() {
    let Ok(listener) = TcpListener::bind("[::1]:0").await else {
        eprintln!("no IPv6 loopback on this machine; nothing to check");
        return;
    };
    let nas = self_signed("QNAP NAS");
    let server = TestServer::serve(listener, server_config(&nas));
    let url = format!("https://[::1]:{}/", server.addr.port());
    let info = probe_certificate(&url).await.unwrap();
    assert_eq!(info.sha256, fingerprint_of(&nas.cert));
    let body = get(client(&Trust::Pinned(info.sha256)).build().unwrap(), &url)
        .await
        .unwrap();
    assert_eq!(body, BODY);
}

#[tokio::test]
async fn probe_reports_bad_urls_and_unreachable_hosts() {
    let err = probe_certificate("http://127.0.0.1:8080/")
        .await
        .unwrap_err();
    assert!(matches!(err, TlsError::BadUrl { .. }), "{err}");
    let err = probe_certificate("not a url").await.unwrap_err();
    assert!(matches!(err, TlsError::BadUrl { .. }), "{err}");

    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let err = probe_certificate(&format!("https://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert!(matches!(err, TlsError::Connect { .. }), "{err}");
}

#[tokio::test]
async fn probe_of_a_server_that_is_not_tls_fails_cleanly() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let _ = tcp
            .write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            .await;
    });
    let err = probe_certificate(&format!("https://127.0.0.1:{port}/"))
        .await
        .unwrap_err();
    assert!(matches!(err, TlsError::Handshake { .. }), "{err}");
}

#[test]
fn fingerprints_are_normalized() {
    let canonical = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:\
                     AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
    let lower_colons = canonical.to_lowercase();
    let bare = canonical.replace(':', "");
    let mixed_bare = "abCDef0123456789ABcdef0123456789abcdef0123456789ABCDEF0123456789";
    for input in [
        canonical.to_owned(),
        lower_colons,
        bare,
        mixed_bare.to_owned(),
        format!("  {canonical}\n"),
    ] {
        assert_eq!(normalize_fingerprint(&input).unwrap(), canonical, "{input}");
    }
}

#[test]
fn bad_fingerprints_are_rejected() {
    let bare = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
    let bad = [
        String::new(),
        bare[..62].to_owned(),                           // 31 bytes
        format!("{bare}AB"),                             // 33 bytes
        bare[..63].to_owned(),                           // odd
        bare.replace('A', "G"),                          // not hex
        format!("A{}", &bare[1..]).replace("AB", "A:B"), // colons in the wrong places
        "AB:CD".to_owned(),
        format!("{}:", bare),
        // SHA-1 length (20 bytes), a common mix-up.
        "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01".to_owned(),
    ];
    for input in bad {
        assert!(
            matches!(
                normalize_fingerprint(&input),
                Err(TlsError::BadFingerprint(_))
            ),
            "accepted {input:?}"
        );
    }
}

#[test]
fn free_root_cas_are_the_published_ones() {
    use rustls::pki_types::pem::PemObject;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(FREE_ROOT_CAS_PEM)
        .collect::<Result<_, _>>()
        .unwrap();
    let fingerprints: Vec<String> = certs.iter().map(|c| fingerprint_of(c)).collect();
    // shared/protocols/freebox.md 1.3: Freebox ECC, Freebox RSA, Iliadbox ECC.
    let published = [
        "23:CF:B7:26:36:BE:66:5D:BB:F2:FE:3E:05:27:90:47:71:A8:DF:F1:BA:CE:46:1D:8B:D6:9F:34:81:2C:24:44",
        "2B:D8:B5:BE:1A:99:0E:42:AD:1B:D7:9C:30:6E:B5:19:B6:37:EE:24:75:C0:D9:31:F2:57:53:56:10:E9:C3:E7",
        "A2:10:B1:DE:83:57:92:7F:13:3C:F5:17:BB:63:AC:99:FC:EA:79:97:5B:E5:12:62:BA:C9:DE:0E:A8:74:EB:DE",
    ];
    assert_eq!(
        certs.len(),
        4,
        "three listed roots plus the Iliadbox RSA root"
    );
    for fingerprint in published {
        assert!(
            fingerprints.iter().any(|f| f == fingerprint),
            "{fingerprint} missing"
        );
    }
    client_builder(&Trust::freebox()).unwrap().build().unwrap();
}
