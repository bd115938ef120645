//! How nascmd logs in to a Freebox: with the app token granted once, else by
//! registering the app and waiting for the user to press ✓ on the box.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::auth::TrackPoller;
use super::{AppInfo, AuthStatus, FreeboxConfig, FreeboxVfs, register};
use crate::nas::connector::{Account, Connector, Login, LoginError, Scheme, StoredSecret};
use crate::nas::poll::PollWatch;
use crate::prompt::{Approval, ApprovalStatus};
use crate::secret::Secret;
use crate::vfs::{VfsError, VfsHandle};

/// The app id nascmd registers with on a Freebox (reverse-DNS style, like the vendor's
/// examples). Changing it invalidates every stored app token.
pub const FREEBOX_APP_ID: &str = "fr.nascmd.commander";

/// Where a Freebox answers when no URL is given.
pub const DEFAULT_URL: &str = "http://mafreebox.freebox.fr";

/// What the user is asked to do while the registration waits.
const APPROVE: Approval = Approval {
    title: "Allow nascmd on the Freebox",
    text: "Press the ✓ button on the Freebox to allow nascmd",
};

/// How long we wait for the button press at most (the box times out on its own first,
/// usually; this only guards against a box that keeps answering `pending`).
const REGISTRATION_WAIT: Duration = Duration::from_secs(300);
/// Between two polls of the registration status (the vendor asks for about one second).
const POLL_EVERY: Duration = Duration::from_secs(1);

const SCHEMES: &[Scheme] = &[
    Scheme {
        name: "freebox",
        https: false,
        default_port: 80,
    },
    Scheme {
        name: "freeboxs",
        https: true,
        default_port: 443,
    },
];

/// Freebox OS.
pub struct FreeboxConnector;

#[async_trait]
impl Connector for FreeboxConnector {
    fn kind(&self) -> &'static str {
        "freebox"
    }

    fn schemes(&self) -> &'static [Scheme] {
        SCHEMES
    }

    fn stored_secret(&self) -> StoredSecret {
        StoredSecret::AppToken
    }

    async fn connect(
        &self,
        account: &Account<'_>,
        login: &dyn Login,
    ) -> Result<VfsHandle, LoginError> {
        let token = match login.app_token() {
            Some(t) => t,
            None if login.may_register() => {
                let token = register_app(account.base_url, login).await?;
                login.keep_app_token(&token);
                token
            }
            None => {
                return Err(LoginError::Failed(VfsError::AuthFailed(format!(
                    "no app token for {}: register nascmd on the box once with \
                     `nascmd remote add NAME --freebox {}` (or open it once in the commander)",
                    account.describe, account.base_url
                ))));
            }
        };
        Ok(open_session(account.base_url, token).await?)
    }
}

/// Opens a session with an app token.
async fn open_session(base_url: &str, app_token: Secret) -> Result<VfsHandle, VfsError> {
    let fbx = FreeboxVfs::connect(FreeboxConfig {
        base_url: base_url.to_owned(),
        app_id: FREEBOX_APP_ID.to_owned(),
        app_token,
    })
    .await?;
    Ok(Arc::new(fbx))
}

/// Registers nascmd on the box and waits for the button press, telling `login` after
/// each poll. The app token once granted.
///
/// The box keeps a registration pending while the user walks to it: a poll that fails
/// (one HTTP 500, a request the link lost) says nothing about it, so it is polled again
/// (`nas::poll::PollWatch`: a few failures in a row) instead of registering anew, which
/// would make the box ask for ✓ a second time. The registration is kept in `login`
/// until a verdict, so a login tried again after the watch gave up polls the same one.
/// Only a verdict (denied, timed out, unknown track) or our own deadline ends it.
async fn register_app(base_url: &str, login: &dyn Login) -> Result<Secret, VfsError> {
    let reg = match login.pending_registration() {
        Some(reg) => reg,
        None => {
            let app = AppInfo {
                app_id: FREEBOX_APP_ID.to_owned(),
                app_name: "nascmd".to_owned(),
                app_version: env!("CARGO_PKG_VERSION").to_owned(),
                device_name: device_name(),
            };
            let reg = register(base_url, &app).await?;
            login.keep_pending_registration(Some(reg.clone()));
            reg
        }
    };
    let deadline = tokio::time::Instant::now() + REGISTRATION_WAIT;
    let mut watch = PollWatch::default();
    let mut poller = TrackPoller::new(base_url)?;
    loop {
        let Some(status) = watch.check(poller.poll(reg.track_id).await)? else {
            tokio::time::sleep(POLL_EVERY).await;
            continue;
        };
        login.approval(APPROVE, approval(status));
        if status != AuthStatus::Pending {
            login.keep_pending_registration(None);
        }
        let refused = |why: &str| Err(VfsError::AuthFailed(why.to_owned()));
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
                login.keep_pending_registration(None);
                return refused("still waiting for the button press after 5 minutes; try again");
            }
            AuthStatus::Pending => tokio::time::sleep(POLL_EVERY).await,
        }
    }
}

fn approval(status: AuthStatus) -> ApprovalStatus {
    match status {
        AuthStatus::Pending => ApprovalStatus::Pending,
        AuthStatus::Granted => ApprovalStatus::Granted,
        AuthStatus::Denied => ApprovalStatus::Denied,
        AuthStatus::Timeout => ApprovalStatus::Timeout,
        AuthStatus::Unknown => ApprovalStatus::Unknown,
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
