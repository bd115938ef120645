//! How nascmd logs in to a QNAP: a password, a 2-step verification code when the
//! account has one, and trust on first use of a self-signed certificate.

use std::sync::Arc;

use async_trait::async_trait;

use super::client::Client;
use super::{QnapConfig, QnapVfs};
use crate::nas::connector::{Account, Connector, Login, LoginError, Scheme, StoredSecret, kept};
use crate::nas::tls::{CertInfo, probe_certificate};
use crate::prompt::{CertDetails, Unanswered};
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsHandle};

/// `qnap://` is QTS's web server over http (File Station lives there), `qnaps://` over
/// https.
const SCHEMES: &[Scheme] = &[
    Scheme {
        name: "qnap",
        https: false,
        default_port: 8080,
    },
    Scheme {
        name: "qnaps",
        https: true,
        default_port: 443,
    },
];

/// QNAP File Station.
pub struct QnapConnector;

#[async_trait]
impl Connector for QnapConnector {
    fn kind(&self) -> &'static str {
        "qnap"
    }

    fn schemes(&self) -> &'static [Scheme] {
        SCHEMES
    }

    fn url_needs_user(&self) -> Option<&'static str> {
        Some("a QNAP URL needs a user: qnap://USER@HOST:PORT/Share")
    }

    fn stored_secret(&self) -> StoredSecret {
        StoredSecret::Password
    }

    /// The certificate pin is the one `login` knows (accepted, profile, trusted
    /// earlier); a self-signed certificate never seen before is shown and, on yes,
    /// pinned for this login and remembered.
    async fn connect(
        &self,
        account: &Account<'_>,
        login: &dyn Login,
    ) -> Result<VfsHandle, LoginError> {
        let user = account.user.ok_or_else(|| {
            VfsError::AuthFailed(format!(
                "no user for {}: add one with `nascmd remote add NAME --qnap URL --user USER`",
                account.describe
            ))
        })?;
        let base_url = account.base_url;
        let password = login.password(account).await?;
        let pin = login.pinned_certificate(base_url);
        let first = log_in_asking_code(base_url, user, &password, pin.clone(), login).await;
        let why = match first {
            Err(LoginError::Failed(VfsError::UntrustedCertificate(why))) if pin.is_none() => why,
            Ok(vfs) => {
                if let Some(fp) = &pin {
                    login.certificate_works(base_url, fp);
                }
                return Ok(vfs);
            }
            Err(e) => return Err(e),
        };
        let fingerprint = trust_on_first_use(base_url, &why, login).await?;
        let vfs =
            log_in_asking_code(base_url, user, &password, Some(fingerprint.clone()), login).await?;
        login.certificate_works(base_url, &fingerprint);
        Ok(vfs)
    }
}

/// Logs in, asking for a 2-step verification code when the account needs one.
async fn log_in_asking_code(
    base_url: &str,
    user: &str,
    password: &Secret,
    cert_sha256: Option<String>,
    login: &dyn Login,
) -> Result<VfsHandle, LoginError> {
    match log_in(base_url, user, password, None, cert_sha256.clone(), login).await {
        Err(VfsError::SecondFactorRequired) => {
            let code = login.second_factor().await?;
            Ok(log_in(base_url, user, password, Some(code), cert_sha256, login).await?)
        }
        other => Ok(other?),
    }
}

/// Opens a session and reads the share list. A session opened by an earlier attempt
/// of this login (whose share list failed) is used again (`Login::keep_progress`): on a
/// link that fails every other request, logging in anew each time never gets further.
async fn log_in(
    base_url: &str,
    user: &str,
    password: &Secret,
    second_factor: Option<String>,
    cert_sha256: Option<String>,
    login: &dyn Login,
) -> Result<VfsHandle, VfsError> {
    let cfg = QnapConfig {
        base_url: base_url.to_owned(),
        user: user.to_owned(),
        password: password.clone(),
        second_factor,
        extra_root_pem: None,
        cert_sha256,
        upload_chunk_size: 0,
    };
    let client = match kept::<Client>(login) {
        Some(client) => client,
        None => {
            let client = Arc::new(Client::connect(&cfg).await?);
            login.keep_progress(client.clone());
            client
        }
    };
    Ok(Arc::new(QnapVfs::with_client(client, &cfg).await?))
}

/// Shows the certificate `base_url` presents and asks whether to trust it. Its
/// fingerprint on yes; when nobody can be asked, an error that says how to pin it.
async fn trust_on_first_use(
    base_url: &str,
    why: &str,
    login: &dyn Login,
) -> Result<String, LoginError> {
    let untrusted = |detail: String| LoginError::Failed(VfsError::UntrustedCertificate(detail));
    let info = probe_certificate(base_url)
        .await
        .map_err(|e| untrusted(format!("{why}, and it could not be read: {e}")))?;
    let fp = info.sha256.clone();
    match login.trust(base_url, why, details(info)).await {
        Ok(true) => Ok(fp),
        Ok(false) => Err(untrusted(format!("{why}; not trusted"))),
        Err(Unanswered::Deferred) => Err(LoginError::Deferred),
        Err(Unanswered::NoOneToAsk) => Err(untrusted(format!(
            "{why}; its SHA-256 fingerprint is {fp}. If that is the NAS's certificate, \
             trust it with `nascmd remote add NAME --qnap {base_url} --user USER \
             --cert-sha256 {fp}`"
        ))),
    }
}

/// The neutral copy of what the probe read.
fn details(info: CertInfo) -> CertDetails {
    CertDetails {
        sha256: info.sha256,
        subject: info.subject,
        issuer: info.issuer,
        not_before: info.not_before,
        not_after: info.not_after,
        self_signed: info.self_signed,
    }
}
