//! Building a NAS backend for a [`RemoteSpec`] with its credentials: the one place that
//! knows which `nas::` constructor to call and how to get the secret it needs.

use std::sync::Arc;

use crate::config::RemoteKind;
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsHandle};

use super::RemoteError;
use super::credentials::{self, Prompter};
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
    connect_qnap_with(&remote.base_url, &user, password, prompter).await
}

/// QNAP with a known password (also used by `remote add` to verify it).
pub async fn connect_qnap_with(
    base_url: &str,
    user: &str,
    password: Secret,
    prompter: &dyn Prompter,
) -> Result<VfsHandle, RemoteError> {
    match connect_qnap(base_url, user, password.clone(), None).await {
        Err(VfsError::SecondFactorRequired) => {
            let code = credentials::second_factor_code(prompter).ok_or(RemoteError::Vfs(
                VfsError::AuthFailed(format!(
                    "the account needs a 2-step verification code: set {} or run in a terminal",
                    credentials::OTP_ENV
                )),
            ))?;
            Ok(connect_qnap(base_url, user, password, Some(code)).await?)
        }
        other => Ok(other?),
    }
}

/// The stored app token of a Freebox remote.
fn freebox_token(remote: &RemoteSpec, secrets: &SecretsStore) -> Result<Secret, RemoteError> {
    remote
        .profile
        .as_deref()
        .and_then(|n| secrets.app_token(n))
        .cloned()
        .ok_or_else(|| {
            RemoteError::Vfs(VfsError::AuthFailed(format!(
                "no app token for {}: register nascmd on the box with \
                 `nascmd remote add NAME --freebox {}`",
                remote.describe(),
                remote.base_url
            )))
        })
}

/// Opens a QNAP session. (Until the QNAP client is merged: a clear "unsupported".)
async fn connect_qnap(
    _base_url: &str,
    _user: &str,
    _password: Secret,
    _second_factor: Option<String>,
) -> Result<VfsHandle, VfsError> {
    Err(VfsError::Unsupported(
        "QNAP remotes (the QNAP client is not in this build yet)",
    ))
}

/// Opens a Freebox session. (Until the Freebox client is merged: a clear "unsupported".)
pub async fn connect_freebox(_base_url: &str, _app_token: Secret) -> Result<VfsHandle, VfsError> {
    let _ = FREEBOX_APP_ID;
    Err(VfsError::Unsupported(
        "Freebox remotes (the Freebox client is not in this build yet)",
    ))
}

/// The local disk.
pub fn local() -> VfsHandle {
    Arc::new(crate::vfs::local::LocalFs::new())
}

/// Where a Freebox app registration stands (what the box answers while it waits for the
/// button press on its front panel).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationStatus {
    Pending,
    Granted,
    Denied,
    Timeout,
    Unknown,
}

/// Registers nascmd on a Freebox and waits for the user to press ✓ on the box, calling
/// `on_status` after each poll. Returns the app token once granted. (Until the Freebox
/// client is merged: a clear "unsupported".)
pub async fn register_freebox(
    _base_url: &str,
    _on_status: &mut (dyn FnMut(RegistrationStatus) + Send),
) -> Result<Secret, RemoteError> {
    Err(RemoteError::Vfs(VfsError::Unsupported(
        "Freebox registration (the Freebox client is not in this build yet)",
    )))
}
