//! Building a NAS backend for a [`RemoteSpec`] with its credentials: the one place that
//! knows which `nas::` constructor to call and how to get the secret it needs.

use std::sync::Arc;

use crate::config::RemoteKind;
use crate::nas::freebox::{AppInfo, AuthStatus, FreeboxConfig, FreeboxVfs};
use crate::nas::qnap::{QnapConfig, QnapVfs};
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsHandle};

use super::RemoteError;
use super::credentials::{self, Prompter};
use super::known_certs::KnownCerts;
use super::secrets::SecretsStore;
use super::target::RemoteSpec;

/// The app id nascmd registers with on a Freebox (reverse-DNS style, like the vendor's
/// examples). Changing it invalidates every stored app token.
pub const FREEBOX_APP_ID: &str = "fr.nascmd.commander";

/// Connects to the NAS `remote` names, asking for what is missing.
pub async fn connect(
    remote: &RemoteSpec,
    secrets: &SecretsStore,
    prompter: &dyn Prompter,
) -> Result<VfsHandle, RemoteError> {
    match remote.kind {
        RemoteKind::Qnap => connect_qnap_asking(remote, secrets, prompter).await,
        RemoteKind::Freebox => {
            let token = freebox_token(remote, secrets)?;
            Ok(connect_freebox(&remote.base_url, token).await?)
        }
    }
}

/// QNAP: password from env/store/prompt; on 2-step verification, ask for the code and
/// connect again.
async fn connect_qnap_asking(
    remote: &RemoteSpec,
    secrets: &SecretsStore,
    prompter: &dyn Prompter,
) -> Result<VfsHandle, RemoteError> {
    let user = remote.user.clone().ok_or_else(|| {
        RemoteError::Vfs(VfsError::AuthFailed(format!(
            "no user for {}: add one with `nascmd remote add NAME --qnap URL --user USER`",
            remote.describe()
        )))
    })?;
    let password = credentials::qnap_password(remote, secrets, prompter).ok_or_else(|| {
        RemoteError::Vfs(VfsError::AuthFailed(format!(
            "no password for {}: set {}, store one with `nascmd remote add`, or run in a terminal",
            remote.describe(),
            credentials::PASSWORD_ENV
        )))
    })?;
    connect_qnap_with(
        &remote.base_url,
        &user,
        password,
        remote.cert_sha256.clone(),
        prompter,
    )
    .await
}

/// QNAP with a known password (also used by `remote add` to verify it). The certificate
/// pin is the profile's, else one trusted earlier (`known_certs.toml`); a self-signed
/// certificate never seen before is shown and, if the user says yes, trusted from now on.
pub async fn connect_qnap_with(
    base_url: &str,
    user: &str,
    password: Secret,
    cert_sha256: Option<String>,
    prompter: &dyn Prompter,
) -> Result<VfsHandle, RemoteError> {
    let mut known = KnownCerts::load_default()
        .map_err(|e| tracing::warn!("{e}"))
        .ok();
    let pin = cert_sha256.or_else(|| known.as_ref()?.get(base_url).map(str::to_owned));
    let first = connect_qnap_2fa(base_url, user, password.clone(), pin.clone(), prompter).await;
    let why = match first {
        Err(RemoteError::Vfs(VfsError::UntrustedCertificate(why))) if pin.is_none() => why,
        other => return other,
    };
    let fingerprint = trust_on_first_use(base_url, &why, prompter).await?;
    let vfs = connect_qnap_2fa(
        base_url,
        user,
        password,
        Some(fingerprint.clone()),
        prompter,
    )
    .await?;
    if let Some(known) = known.as_mut()
        && let Err(e) = known.remember(base_url, &fingerprint)
    {
        tracing::warn!("cannot keep the trusted certificate: {e}");
    }
    Ok(vfs)
}

/// Shows the certificate `base_url` presents and asks whether to trust it. Returns its
/// fingerprint on yes; without a terminal, an error that says how to pin it by hand.
async fn trust_on_first_use(
    base_url: &str,
    why: &str,
    prompter: &dyn Prompter,
) -> Result<String, RemoteError> {
    let untrusted = |detail: String| RemoteError::Vfs(VfsError::UntrustedCertificate(detail));
    let info = crate::nas::tls::probe_certificate(base_url)
        .await
        .map_err(|e| untrusted(format!("{why}, and it could not be read: {e}")))?;
    let self_signed = if info.self_signed {
        " (self-signed)"
    } else {
        ""
    };
    let question = format!(
        "{base_url} presented a certificate that is not trusted yet ({why}):\n\
         \x20 subject  {}\n\
         \x20 issuer   {}{self_signed}\n\
         \x20 valid    {} to {}\n\
         \x20 SHA-256  {}\n\
         Compare the fingerprint with the one the NAS shows. Trust it from now on? [y/N] ",
        info.subject, info.issuer, info.not_before, info.not_after, info.sha256
    );
    match prompter.confirm(&question) {
        Ok(true) => Ok(info.sha256),
        Ok(false) => Err(untrusted(format!("{why}; not trusted"))),
        Err(_) => Err(untrusted(format!(
            "{why}; its SHA-256 fingerprint is {fp}. If that is the NAS's certificate, \
             trust it with `nascmd remote add NAME --qnap {base_url} --user USER \
             --cert-sha256 {fp}`",
            fp = info.sha256
        ))),
    }
}

/// Logs in, asking for a 2-step verification code when the account needs one.
async fn connect_qnap_2fa(
    base_url: &str,
    user: &str,
    password: Secret,
    cert_sha256: Option<String>,
    prompter: &dyn Prompter,
) -> Result<VfsHandle, RemoteError> {
    match connect_qnap(base_url, user, password.clone(), None, cert_sha256.clone()).await {
        Err(VfsError::SecondFactorRequired) => {
            let code = credentials::second_factor_code(prompter).ok_or(RemoteError::Vfs(
                VfsError::AuthFailed(format!(
                    "the account needs a 2-step verification code: set {} or run in a terminal",
                    credentials::OTP_ENV
                )),
            ))?;
            Ok(connect_qnap(base_url, user, password, Some(code), cert_sha256).await?)
        }
        other => Ok(other?),
    }
}

/// The stored app token of a Freebox remote.
fn freebox_token(remote: &RemoteSpec, secrets: &SecretsStore) -> Result<Secret, RemoteError> {
    secrets
        .app_token(&remote.secrets_name())
        .cloned()
        .ok_or_else(|| {
            RemoteError::Vfs(VfsError::AuthFailed(format!(
                "no app token for {}: register nascmd on the box once with \
                 `nascmd remote add NAME --freebox {}` (or open it once in the commander)",
                remote.describe(),
                remote.base_url
            )))
        })
}

/// Opens a QNAP session.
async fn connect_qnap(
    base_url: &str,
    user: &str,
    password: Secret,
    second_factor: Option<String>,
    cert_sha256: Option<String>,
) -> Result<VfsHandle, VfsError> {
    let nas = QnapVfs::connect(QnapConfig {
        base_url: base_url.to_owned(),
        user: user.to_owned(),
        password,
        second_factor,
        extra_root_pem: None,
        cert_sha256,
    })
    .await?;
    Ok(Arc::new(nas))
}

/// Opens a Freebox session with a stored app token.
pub async fn connect_freebox(base_url: &str, app_token: Secret) -> Result<VfsHandle, VfsError> {
    let fbx = FreeboxVfs::connect(FreeboxConfig {
        base_url: base_url.to_owned(),
        app_id: FREEBOX_APP_ID.to_owned(),
        app_token,
    })
    .await?;
    Ok(Arc::new(fbx))
}

/// The local disk.
pub fn local() -> VfsHandle {
    Arc::new(crate::vfs::local::LocalFs::new())
}

/// How long we wait for the button press at most (the box times out on its own first,
/// usually; this only guards against a box that keeps answering `pending`).
const REGISTRATION_WAIT: std::time::Duration = std::time::Duration::from_secs(300);
/// Between two polls of the registration status (the vendor asks for about one second).
const POLL_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Registers nascmd on a Freebox and waits for the user to press ✓ on the box, calling
/// `on_status` after each poll. Returns the app token once granted.
pub async fn register_freebox(
    base_url: &str,
    on_status: &mut (dyn FnMut(AuthStatus) + Send),
) -> Result<Secret, RemoteError> {
    let app = AppInfo {
        app_id: FREEBOX_APP_ID.to_owned(),
        app_name: "nascmd".to_owned(),
        app_version: env!("CARGO_PKG_VERSION").to_owned(),
        device_name: device_name(),
    };
    let reg = crate::nas::freebox::register(base_url, &app).await?;
    let deadline = tokio::time::Instant::now() + REGISTRATION_WAIT;
    loop {
        let status = crate::nas::freebox::poll_authorization(base_url, reg.track_id).await?;
        on_status(status);
        let refused = |why: &str| Err(RemoteError::Vfs(VfsError::AuthFailed(why.to_owned())));
        match status {
            AuthStatus::Granted => return Ok(reg.app_token),
            AuthStatus::Denied => return refused("the request was refused on the Freebox"),
            AuthStatus::Timeout => {
                return refused("nobody pressed the button on the Freebox in time; try again");
            }
            AuthStatus::Unknown => {
                return refused("the Freebox no longer knows this request; try again");
            }
            AuthStatus::Pending if tokio::time::Instant::now() >= deadline => {
                return refused("still waiting for the button press after 5 minutes; try again");
            }
            AuthStatus::Pending => tokio::time::sleep(POLL_EVERY).await,
        }
    }
}

/// The name the Freebox shows for this app ("nascmd on HOST").
fn device_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "nascmd".to_owned())
}
