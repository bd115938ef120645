//! How nascmd logs in to a Freebox: with the app token granted once, else by
//! registering the app and waiting for the user to press ✓ on the box.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use super::api::Api;
use super::auth::{TrackPoller, register_at};
use super::discovery::{Discovered, discover};
use super::{AppInfo, AuthStatus, FreeboxVfs, tls};
use crate::nas::connector::{Account, Connector, Login, LoginError, Scheme, StoredSecret, kept};
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
    note: None,
};

/// The same, when the reply to an earlier registration was lost: that one may have
/// reached the box, which may then ask twice (see `register_app`).
const APPROVE_AGAIN: Approval = Approval {
    note: Some("A reply was lost: the box may ask twice. Press ✓ each time."),
    ..APPROVE
};

/// Registrations sent without a reply, after which the login gives up rather than
/// make the box ask once more.
const REGISTRATIONS_LOST_MAX: u32 = 2;

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
        let api = match kept::<Kept>(login).as_deref() {
            Some(Kept::Api(api)) => api.clone(),
            Some(Kept::Discovered(found, lost)) => {
                api_client(account, login, found.clone(), *lost).await?
            }
            None => {
                let token = login.app_token();
                if token.is_none() && !login.may_register() {
                    return Err(no_token(account));
                }
                let http = tls::http_client()?;
                let root = discover(&http, account.base_url).await?;
                let found = Arc::new(Discovered { http, root });
                login.keep_progress(Arc::new(Kept::Discovered(found.clone(), 0)));
                api_client(account, login, found, 0).await?
            }
        };
        Ok(Arc::new(FreeboxVfs::with_api(api).await?))
    }
}

/// What a Freebox login keeps for its next attempt (`Login::keep_progress`), so each
/// step is tried again on its own.
enum Kept {
    /// `/api_version` answered; and how many registrations were sent whose reply
    /// never came.
    Discovered(Arc<Discovered>, u32),
    /// The app token known: the API client, with the challenge it fetched if the
    /// session failed after (`auth::open_session`).
    Api(Arc<Api>),
}

fn no_token(account: &Account<'_>) -> LoginError {
    LoginError::Failed(VfsError::AuthFailed(format!(
        "no app token for {}: register nascmd on the box once with \
         `nascmd remote add NAME --freebox {}` (or open it once in the commander)",
        account.describe, account.base_url
    )))
}

/// The API client of the box `found`, with the app token known or granted now.
async fn api_client(
    account: &Account<'_>,
    login: &dyn Login,
    found: Arc<Discovered>,
    lost: u32,
) -> Result<Arc<Api>, LoginError> {
    let token = match login.app_token() {
        Some(t) => t,
        None if login.may_register() => {
            let token = register_app(&found, lost, login).await?;
            login.keep_app_token(&token);
            token
        }
        None => return Err(no_token(account)),
    };
    let api = Arc::new(Api::new(
        found.http.clone(),
        found.root.clone(),
        FREEBOX_APP_ID.to_owned(),
        token,
    ));
    login.keep_progress(Arc::new(Kept::Api(api.clone())));
    Ok(api)
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
///
/// A registration whose reply was lost (`lost` of them so far) may have reached the
/// box, and nothing in the API finds its track again: it is sent once more, the box
/// replacing the first with it (docs/EMULATOR.md), and the dialog says the box may ask
/// twice. After [`REGISTRATIONS_LOST_MAX`] the login stops.
async fn register_app(
    found: &Arc<Discovered>,
    lost: u32,
    login: &dyn Login,
) -> Result<Secret, VfsError> {
    let reg = match login.pending_registration() {
        Some(reg) => reg,
        None => {
            let app = AppInfo {
                app_id: FREEBOX_APP_ID.to_owned(),
                app_name: "nascmd".to_owned(),
                app_version: env!("CARGO_PKG_VERSION").to_owned(),
                device_name: device_name(),
            };
            let reg = match register_at(&found.http, &found.root, &app).await {
                Ok(reg) => reg,
                Err(e) if e.is_transient() && lost + 1 >= REGISTRATIONS_LOST_MAX => {
                    return Err(VfsError::AuthFailed(format!(
                        "the reply to the registration was lost twice ({e}); \
                         check the link to the Freebox and try again"
                    )));
                }
                Err(e) => {
                    if e.is_transient() {
                        login.keep_progress(Arc::new(Kept::Discovered(found.clone(), lost + 1)));
                    }
                    return Err(e);
                }
            };
            login.keep_pending_registration(Some(reg.clone()));
            reg
        }
    };
    let shown = if lost > 0 { APPROVE_AGAIN } else { APPROVE };
    let deadline = tokio::time::Instant::now() + REGISTRATION_WAIT;
    let mut watch = PollWatch::default();
    let mut poller = TrackPoller::with_root(found.http.clone(), found.root.clone());
    loop {
        let Some(status) = watch.check(poller.poll(reg.track_id).await)? else {
            tokio::time::sleep(POLL_EVERY).await;
            continue;
        };
        login.approval(shown, approval(status));
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
