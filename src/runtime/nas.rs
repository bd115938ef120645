//! The NAS effect of the commander: opening a NAS in a pane (`Cmd::Connect`). It runs
//! as one spawned task whose progress comes back as `Msg::Connect`; a newer request (or
//! Esc) aborts the one in flight.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use ratatui::backend::Backend;
use tokio::sync::mpsc::UnboundedSender;

use super::Runtime;
use super::effects::{Internal, user_error};
use crate::app::connect::{ConnectCmd, ConnectMsg};
use crate::app::{Msg, RequestId};
use crate::config::{Config, RemoteKind};
use crate::nas::freebox::{AuthStatus, FreeboxConfig, FreeboxVfs};
use crate::nas::qnap::{QnapConfig, QnapVfs};
use crate::remotes::{KnownCerts, RemoteSpec, SecretsStore, Target};
use crate::remotes::{backends, credentials};
use crate::secret::Secret;
use crate::vfs::{VPath, VfsError, VfsHandle};

/// Where credentials may come from when the commander opens a NAS.
#[derive(Clone, Default)]
pub struct ConnectContext {
    /// Remote profiles (`NAME:/path`).
    pub config: Config,
    /// Read `NASCMD_PASSWORD` (off in tests, which type the password).
    pub use_env: bool,
    /// Read (and, after a Freebox registration, write) the secrets store; read and
    /// write the certificates trusted on first use (`known_certs.toml`).
    pub use_secrets_store: bool,
    /// Passwords handed over in-process, by `base_url|user` (the `--demo` NAS).
    pub passwords: HashMap<String, Secret>,
}

impl ConnectContext {
    /// The user's config, environment and secrets store.
    pub fn from_user(config: Config) -> Self {
        ConnectContext {
            config,
            use_env: true,
            use_secrets_store: true,
            passwords: HashMap::new(),
        }
    }

    /// Nothing from the environment or the disk: only what is typed or handed over.
    pub fn isolated() -> Self {
        ConnectContext::default()
    }

    /// Hands over the password of `user` on `base_url` (no prompt for it).
    pub fn with_password(mut self, base_url: &str, user: &str, password: Secret) -> Self {
        self.passwords.insert(key(base_url, user), password);
        self
    }
}

fn key(base_url: &str, user: &str) -> String {
    format!("{}|{user}", base_url.trim_end_matches('/'))
}

/// The tasks in flight and where credentials come from.
#[derive(Default)]
pub(super) struct NasTasks {
    connect: Option<u64>,
    ctx: Arc<ConnectContext>,
}

impl<B: Backend> Runtime<B> {
    /// [`Runtime::new`] with where the commander finds passwords and profiles (the
    /// plain `new` reads nothing), set before the start-up commands run.
    pub fn with_connect_context(
        terminal: ratatui::Terminal<B>,
        app: crate::app::App,
        cmds: Vec<crate::app::Cmd>,
        ctx: ConnectContext,
    ) -> std::io::Result<Self> {
        let mut rt = Runtime::new(terminal, app, Vec::new())?;
        rt.nas.ctx = Arc::new(ctx);
        rt.execute_all(cmds);
        Ok(rt)
    }

    /// Handles whatever arrives for `d`, then draws: a look at the screen while
    /// something is still going on (a Freebox waiting for its button press).
    pub async fn run_for(&mut self, d: Duration) -> std::io::Result<()> {
        let until = tokio::time::Instant::now() + d;
        loop {
            tokio::select! {
                Some(i) = self.rx.recv() => self.on_internal(i),
                _ = tokio::time::sleep_until(until) => break,
            }
        }
        self.render()
    }

    pub(super) fn connect_cmd(&mut self, cmd: ConnectCmd) {
        let old = self.nas.connect.take();
        self.abort(old);
        if let ConnectCmd::Start {
            req,
            target,
            password,
            code,
            cert_sha256,
            ..
        } = cmd
        {
            let tx = self.tx.clone();
            let ctx = self.nas.ctx.clone();
            let job = Connect {
                tx,
                req,
                ctx,
                password,
                code,
                cert_sha256,
            };
            self.nas.connect = Some(self.spawn(job.run(target)));
        }
    }
}

fn send(tx: &UnboundedSender<Internal>, msg: Msg) {
    let _ = tx.send(Internal::Msg(msg));
}

/// One connection attempt.
struct Connect {
    tx: UnboundedSender<Internal>,
    req: RequestId,
    ctx: Arc<ConnectContext>,
    password: Option<Secret>,
    code: Option<String>,
    /// A fingerprint the user has just accepted in the trust dialog.
    cert_sha256: Option<String>,
}

impl Connect {
    fn send(&self, m: ConnectMsg) {
        send(&self.tx, Msg::Connect(m));
    }

    async fn run(self, target: String) {
        let req = self.req;
        let msg = match self.open(&target).await {
            Ok(Some((vfs, path, share_host))) => ConnectMsg::Connected {
                req,
                vfs,
                path,
                share_host,
            },
            // A dialog was asked for.
            Ok(None) => return,
            Err(e) => ConnectMsg::Failed {
                req,
                error: crate::names::escape(&e).into_owned(),
            },
        };
        self.send(msg);
    }

    /// `Ok(None)`: the app was asked for a password or code.
    /// Opens the target; also returns the profile's share-link host, if it names one.
    async fn open(
        &self,
        target: &str,
    ) -> Result<Option<(VfsHandle, VPath, Option<String>)>, String> {
        let parsed = Target::parse(target, &self.ctx.config).map_err(|e| e.to_string())?;
        let (remote, path) = match parsed {
            Target::Local(p) => {
                return Ok(Some((crate::remotes::backends::local(), p, None)));
            }
            Target::Remote { remote, path } => (remote, path),
        };
        let vfs = match remote.kind {
            RemoteKind::Qnap => match self.qnap(&remote).await? {
                Some(v) => v,
                None => return Ok(None),
            },
            RemoteKind::Freebox => self.freebox(&remote).await?,
        };
        Ok(Some((vfs, path, remote.share_host.clone())))
    }

    /// The certificates trusted on first use, when the user's files may be used.
    fn known_certs(&self) -> Option<KnownCerts> {
        if !self.ctx.use_secrets_store {
            return None;
        }
        KnownCerts::load_default()
            .map_err(|e| tracing::warn!("known certificates: {e}"))
            .ok()
    }

    fn stored(&self) -> Option<SecretsStore> {
        if !self.ctx.use_secrets_store {
            return None;
        }
        SecretsStore::load_default()
            .map_err(|e| tracing::warn!("secrets store: {e}"))
            .ok()
    }

    async fn qnap(&self, remote: &RemoteSpec) -> Result<Option<VfsHandle>, String> {
        let user = remote.user.clone().ok_or_else(|| {
            format!(
                "no user for {}: write qnap://USER@host:port/Share",
                remote.describe()
            )
        })?;
        let password = self
            .password
            .clone()
            .or_else(|| {
                self.ctx
                    .passwords
                    .get(&key(&remote.base_url, &user))
                    .cloned()
            })
            .or_else(|| {
                self.ctx
                    .use_env
                    .then(credentials::password_from_env)
                    .flatten()
            })
            .or_else(|| {
                let name = remote.profile.as_deref()?;
                self.stored()?.password(name).cloned()
            });
        let Some(password) = password else {
            let who = format!("{user} on {}", remote.base_url);
            self.send(ConnectMsg::NeedPassword { req: self.req, who });
            return Ok(None);
        };
        let mut known = self.known_certs();
        let pin = self
            .cert_sha256
            .clone()
            .or_else(|| remote.cert_sha256.clone())
            .or_else(|| known.as_ref()?.get(&remote.base_url).map(str::to_owned));
        let cfg = QnapConfig {
            base_url: remote.base_url.clone(),
            user,
            password,
            second_factor: self.code.clone(),
            cert_sha256: pin.clone(),
            ..QnapConfig::default()
        };
        match QnapVfs::connect(cfg).await {
            Ok(v) => {
                if let (Some(fp), Some(known)) = (&self.cert_sha256, known.as_mut())
                    && let Err(e) = known.remember(&remote.base_url, fp)
                {
                    tracing::warn!("cannot keep the trusted certificate: {e}");
                }
                Ok(Some(Arc::new(v)))
            }
            // Never pinned: show what the NAS presents and let the user decide. A pin
            // that no longer matches is an error below (the certificate changed).
            Err(VfsError::UntrustedCertificate(why)) if pin.is_none() => {
                match crate::nas::tls::probe_certificate(&remote.base_url).await {
                    Ok(info) => {
                        self.send(ConnectMsg::UntrustedCertificate {
                            req: self.req,
                            info,
                        });
                        Ok(None)
                    }
                    Err(e) => Err(format!(
                        "the server's certificate is not trusted ({why}) and could not be read: {e}"
                    )),
                }
            }
            Err(VfsError::SecondFactorRequired) if self.code.is_none() => {
                self.send(ConnectMsg::NeedCode { req: self.req });
                Ok(None)
            }
            Err(e) => Err(login_error(&e)),
        }
    }

    async fn freebox(&self, remote: &RemoteSpec) -> Result<VfsHandle, String> {
        let stored = self
            .stored()
            .and_then(|store| store.app_token(&remote.secrets_name()).cloned());
        let token = match stored {
            Some(t) => t,
            None => self.register_freebox(remote).await?,
        };
        let cfg = FreeboxConfig {
            base_url: remote.base_url.clone(),
            app_id: backends::FREEBOX_APP_ID.to_owned(),
            app_token: token,
        };
        let v = FreeboxVfs::connect(cfg)
            .await
            .map_err(|e| login_error(&e))?;
        Ok(Arc::new(v))
    }

    /// Registers nascmd on the box (`remotes::backends::register_freebox`), reporting
    /// every poll so the dialog shows a live status, and keeps the token (under the
    /// profile, or under the URL when there is none) so the next start reuses it.
    async fn register_freebox(&self, remote: &RemoteSpec) -> Result<Secret, String> {
        let (tx, req) = (self.tx.clone(), self.req);
        let mut on_status = move |status: AuthStatus| {
            send(&tx, Msg::Connect(ConnectMsg::Registration { req, status }));
        };
        let token = backends::register_freebox(&remote.base_url, &mut on_status)
            .await
            .map_err(|e| match e.as_vfs() {
                Some(v) => login_error(v),
                None => e.to_string(),
            })?;
        if let Some(mut store) = self.stored() {
            store.set_app_token(&remote.secrets_name(), token.clone());
            if let Err(e) = store.save() {
                tracing::warn!("cannot keep the Freebox app token: {e}");
            }
        }
        Ok(token)
    }
}

/// A login error in plain words.
fn login_error(e: &VfsError) -> String {
    match e {
        VfsError::AuthFailed(why) => format!("login refused: {why}"),
        other => user_error(other),
    }
}
