//! A TLS front for the (plain HTTP) QNAP emulator, the way a QNAP with its factory
//! self-signed certificate answers on 443: it terminates TLS with a fresh self-signed
//! certificate (CN "QNAP NAS", a name that is not the address) and relays the bytes to
//! the emulator.

use std::net::SocketAddr;
use std::sync::Arc;

use rcgen::{CertificateParams, DnType, KeyPair};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

pub struct TlsFront {
    pub addr: SocketAddr,
    /// SHA-256 of the certificate it presents, `AB:CD:…`.
    pub fingerprint: String,
    task: tokio::task::JoinHandle<()>,
}

impl TlsFront {
    pub async fn start(backend: SocketAddr) -> TlsFront {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["nas.invalid".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "QNAP NAS");
        let cert = params.self_signed(&key).unwrap();
        let der: CertificateDer<'static> = cert.der().clone();
        let fingerprint = nascmd::nas::tls::certificate_fingerprint(&der);
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![der], private)
                .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A client that refuses the certificate ends the handshake: fine.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut plain) = TcpStream::connect(backend).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                });
            }
        });
        TlsFront {
            addr,
            fingerprint,
            task,
        }
    }
}

impl Drop for TlsFront {
    fn drop(&mut self) {
        self.task.abort();
    }
}
