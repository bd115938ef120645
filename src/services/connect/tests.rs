//! The connection cache: local targets, one backend per account.

use super::*;
use crate::prompt::NoPrompter;
use crate::remotes::credentials;

#[tokio::test]
async fn local_targets_open_and_share_one_backend() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("f.txt"), b"hi").unwrap();
    let mut o = Opener::new(
        Config::default(),
        SecretsStore::default(),
        Arc::new(NoPrompter),
    );
    let (h, p) = o
        .open(&format!("{}/f.txt", dir.path().display()))
        .await
        .unwrap();
    assert_eq!(h.stat(&p).await.unwrap().size, 2);
    let (h2, _) = o.open(dir.path().to_str().unwrap()).await.unwrap();
    assert!(Arc::ptr_eq(&h, &h2));
}

#[tokio::test]
async fn qnap_without_password_is_an_auth_error() {
    let mut c = Config::default();
    c.remote.push(crate::config::RemoteProfile {
        name: "nas".into(),
        kind: crate::config::RemoteKind::Qnap,
        url: "http://127.0.0.1:9".into(),
        user: Some("admin".into()),
        share_host: None,
        cert_sha256: None,
    });
    let mut o = Opener::new(c, SecretsStore::default(), Arc::new(NoPrompter));
    // NASCMD_PASSWORD may be set in the environment of a developer; only check
    // when it is not.
    if credentials::password_from_env().is_none() {
        let Err(e) = o.open("nas:/Public").await else {
            panic!("connected without a password")
        };
        assert!(matches!(e.as_vfs(), Some(VfsError::AuthFailed(_))), "{e:?}");
    }
}

/// Defers every question, like the commander's dialogs, and counts them.
#[derive(Default)]
struct Deferring(std::sync::Mutex<Vec<String>>);

#[async_trait::async_trait]
impl Prompter for Deferring {
    async fn ask(
        &self,
        prompt: crate::prompt::Prompt,
    ) -> Result<crate::prompt::Answer, crate::prompt::Unanswered> {
        self.0.lock().unwrap().push(format!("{prompt:?}"));
        Err(crate::prompt::Unanswered::Deferred)
    }
}

fn remote(pin: Option<&str>) -> RemoteSpec {
    RemoteSpec {
        kind: crate::config::RemoteKind::Qnap,
        base_url: "http://nas:8080".into(),
        user: Some("admin".into()),
        profile: None,
        share_host: None,
        cert_sha256: pin.map(str::to_owned),
    }
}

#[tokio::test]
async fn the_chain_uses_answers_first_then_asks() {
    use crate::nas::connector::{Account, Login, LoginError};
    let ctx = ConnectContext::isolated();
    let spec = remote(Some("AA:BB"));
    let account = Account {
        base_url: &spec.base_url,
        user: spec.user.as_deref(),
        describe: "nas",
    };
    let asked = Deferring::default();

    // Nothing known: the question goes to the prompter, and the attempt stops quietly.
    let none = Answers::default();
    let chain = chain::Chain::new(&ctx, None, &spec, &none, &asked);
    assert!(matches!(
        chain.password(&account).await,
        Err(LoginError::Deferred)
    ));
    assert!(matches!(
        chain.second_factor().await,
        Err(LoginError::Deferred)
    ));
    assert_eq!(
        *asked.0.lock().unwrap(),
        ["Password(admin on http://nas:8080)", "Code"]
    );
    assert_eq!(
        chain.pinned_certificate(&spec.base_url).as_deref(),
        Some("AA:BB")
    );

    // What the dialogs answered comes first, and is what the login obtained.
    let answered = Answers {
        password: Some(Secret::new("pw")),
        code: Some("123456".into()),
        cert_sha256: Some("CC:DD".into()),
    };
    let chain = chain::Chain::new(&ctx, None, &spec, &answered, &asked);
    assert_eq!(chain.password(&account).await.unwrap().expose(), "pw");
    assert_eq!(chain.second_factor().await.unwrap(), "123456");
    assert_eq!(
        chain.pinned_certificate(&spec.base_url).as_deref(),
        Some("CC:DD")
    );
    assert_eq!(chain.obtained().password.unwrap().expose(), "pw");
    assert_eq!(asked.0.lock().unwrap().len(), 2);

    // Handed over in-process (the demo NAS): no question.
    let demo =
        ConnectContext::isolated().with_password("http://nas:8080/", "admin", Secret::new("demo"));
    let chain = chain::Chain::new(&demo, None, &spec, &none, &asked);
    assert_eq!(chain.password(&account).await.unwrap().expose(), "demo");

    // Nobody to ask: the error says how to give one.
    let chain = chain::Chain::new(&ctx, None, &spec, &none, &NoPrompter);
    let Err(LoginError::Failed(VfsError::AuthFailed(why))) = chain.second_factor().await else {
        panic!("a code without asking")
    };
    assert!(why.contains("NASCMD_OTP"), "{why}");
}

/// A login answered once with HTTP 500 (a NAS hiccup, a request the link lost) is tried
/// again: the pane opens instead of saying "Cannot connect".
#[tokio::test]
async fn a_login_that_fails_once_is_tried_again() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Public")).unwrap();
    let mut cfg = crate::emulator::qnap::QnapEmulatorConfig::new(dir.path(), "alice", "pw");
    cfg.faults.http500_every = Some(4);
    let emu = crate::emulator::qnap::spawn(cfg).await.unwrap();
    let base_url = format!("http://{}", emu.addr);
    // Three requests first: the login's is the fourth, answered with the fault.
    for _ in 0..3 {
        reqwest::get(format!("{base_url}/cgi-bin/authLogin.cgi"))
            .await
            .unwrap();
    }
    let ctx = ConnectContext::isolated().with_password(&base_url, "alice", Secret::new("pw"));
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Qnap,
        base_url: base_url.clone(),
        user: Some("alice".into()),
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    let connected = connect(&ctx, None, &remote, &Answers::default(), &NoPrompter)
        .await
        .unwrap_or_else(|e| panic!("not connected: {e}"));
    let public = VPath::parse("/Public").unwrap();
    assert!(connected.vfs.stat(&public).await.unwrap().is_dir());
}

/// A Freebox emulator whose owner presses ✓ after `polls` polls of the registration and
/// whose every `every`th request is answered with HTTP 500; and what a connect to it
/// with no app token (so it registers) gives.
async fn register_on_flaky_freebox(
    polls: u32,
    every: u32,
) -> (
    Result<Connected, RemoteError>,
    crate::emulator::request_log::RequestLog,
) {
    use crate::emulator::freebox::{FreeboxEmulatorConfig, GrantMode};
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(dir.path());
    cfg.grant = GrantMode::AfterPolls(polls);
    cfg.faults.http500_every = Some(every);
    let log = cfg.request_log.clone();
    let emu = crate::emulator::freebox::spawn(cfg).await.unwrap();
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Freebox,
        base_url: emu.base_url.clone(),
        user: None,
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    let ctx = ConnectContext::isolated();
    let connected = connect(&ctx, None, &remote, &Answers::default(), &NoPrompter).await;
    (connected, log)
}

fn registrations(log: &crate::emulator::request_log::RequestLog) -> usize {
    log.lines()
        .iter()
        .filter(|l| l.starts_with("POST") && l.trim_end_matches('/').ends_with("login/authorize"))
        .count()
}

/// Requests: 1 `/api_version`, 2 the registration, 3 the first poll (pending), 4 the
/// second (HTTP 500), 5 (granted). The failed poll is polled again: the box asks for ✓
/// once, not twice.
#[tokio::test]
async fn a_freebox_registration_survives_a_failed_poll() {
    let (connected, log) = register_on_flaky_freebox(1, 4).await;
    let connected = connected.unwrap_or_else(|e| panic!("not connected: {e}"));
    assert_eq!(registrations(&log), 1, "{:?}", log.lines());
    assert!(connected.obtained.app_token.is_some());
}

/// Requests: 1 `/api_version`, 2 the registration, 3 a poll (granted), 4 the session's
/// challenge (HTTP 500). The login tried again uses the token the box just granted
/// instead of registering anew.
#[tokio::test]
async fn a_session_that_fails_after_the_grant_does_not_register_again() {
    let (connected, log) = register_on_flaky_freebox(0, 4).await;
    connected.unwrap_or_else(|e| panic!("not connected: {e}"));
    assert_eq!(registrations(&log), 1, "{:?}", log.lines());
}

/// What a connect to a flaky emulator gave, the requests the box saw, and the box
/// (running until dropped).
struct FlakySignIn {
    connected: Result<Connected, RemoteError>,
    log: crate::emulator::request_log::RequestLog,
    control: crate::emulator::freebox::FreeboxControl,
    _emu: crate::emulator::RunningEmulator,
    _dir: tempfile::TempDir,
}

/// A Freebox emulator that granted nascmd `token` long ago (its state file), with
/// `faults`, and a connect with that token (in the secrets store).
async fn sign_in_to_flaky_freebox(faults: crate::emulator::faults::FaultConfig) -> FlakySignIn {
    use crate::emulator::freebox::FreeboxEmulatorConfig;
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("disk")).unwrap();
    let token = "nascmdTestToken0nascmdTestToken0nascmdTestToken0nascmdTestToken0";
    let state = dir.path().join("state.json");
    let saved = serde_json::json!({"next_track_id": 2, "apps": [{
        "app_id": crate::nas::freebox::connector::FREEBOX_APP_ID,
        "app_token": token, "track_id": 1}]});
    std::fs::write(&state, saved.to_string()).unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(dir.path().join("disk"));
    cfg.state_file = Some(state);
    cfg.faults = faults;
    let log = cfg.request_log.clone();
    let (emu, control) = crate::emulator::freebox::spawn_with_control(cfg)
        .await
        .unwrap();
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Freebox,
        base_url: emu.base_url.clone(),
        user: None,
        profile: Some("fbx".into()),
        share_host: None,
        cert_sha256: None,
    };
    let mut secrets = SecretsStore::default();
    secrets.set_app_token("fbx", Secret::new(token));
    let ctx = ConnectContext {
        may_register: false,
        ..ConnectContext::isolated()
    };
    let connected = connect(
        &ctx,
        Some(&secrets),
        &remote,
        &Answers::default(),
        &NoPrompter,
    )
    .await;
    FlakySignIn {
        connected,
        log,
        control,
        _emu: emu,
        _dir: dir,
    }
}

fn faults_every(
    http500: Option<u32>,
    truncate: Option<u32>,
) -> crate::emulator::faults::FaultConfig {
    crate::emulator::faults::FaultConfig {
        http500_every: http500,
        truncate_every: truncate,
        ..Default::default()
    }
}

/// A sign-in is three requests (`/api_version`, the challenge, the session): with every
/// third answered HTTP 500, a login tried again from its start fails at the same step
/// each time. Each step is tried again on its own: the session is retried with the
/// discovery and the challenge already had.
#[tokio::test]
async fn a_freebox_sign_in_survives_every_third_request_failing() {
    let FlakySignIn {
        connected,
        log,
        _emu,
        _dir,
        ..
    } = sign_in_to_flaky_freebox(faults_every(Some(3), None)).await;
    let connected = connected.unwrap_or_else(|e| panic!("not connected: {e} {:?}", log.lines()));
    let lines = log.lines();
    assert_eq!(
        lines.iter().filter(|l| l.contains("/api_version")).count(),
        1,
        "{lines:?}"
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.starts_with("GET") && l.trim_end_matches('/').ends_with("/login"))
            .count(),
        1,
        "{lines:?}"
    );
    let root = VPath::parse("/").unwrap();
    let pages = crate::jobs::retry_interactive(|| connected.vfs.list(&root)).await;
    if let Err(e) = &pages {
        panic!("{e} {:?}", log.lines());
    }
}

/// Every second request failing: the discovery, then the challenge, then the session
/// each fail once and are each tried again alone.
#[tokio::test]
async fn a_freebox_sign_in_survives_every_second_request_failing() {
    let FlakySignIn {
        connected,
        log,
        _emu,
        _dir,
        ..
    } = sign_in_to_flaky_freebox(faults_every(Some(2), None)).await;
    connected.unwrap_or_else(|e| panic!("not connected: {e} {:?}", log.lines()));
}

/// Every third reply lost on the way (cut in half): the session the box opened for the
/// lost reply used up its challenge; the session asked again is refused with a fresh
/// challenge, and opened with that one.
#[tokio::test]
async fn a_freebox_sign_in_survives_every_third_reply_lost() {
    let FlakySignIn {
        connected,
        log,
        _emu,
        _dir,
        ..
    } = sign_in_to_flaky_freebox(faults_every(None, Some(3))).await;
    connected.unwrap_or_else(|e| panic!("not connected: {e} {:?}", log.lines()));
}

/// A QNAP login is two requests (`authLogin.cgi`, then the share list): with every
/// second failing, the login is kept and only the share list is asked again.
#[tokio::test]
async fn a_qnap_login_survives_every_second_request_failing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Public")).unwrap();
    let mut cfg = crate::emulator::qnap::QnapEmulatorConfig::new(dir.path(), "alice", "pw");
    cfg.faults.http500_every = Some(2);
    let emu = crate::emulator::qnap::spawn(cfg).await.unwrap();
    let base_url = format!("http://{}", emu.addr);
    let ctx = ConnectContext::isolated().with_password(&base_url, "alice", Secret::new("pw"));
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Qnap,
        base_url: base_url.clone(),
        user: Some("alice".into()),
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    connect(&ctx, None, &remote, &Answers::default(), &NoPrompter)
        .await
        .unwrap_or_else(|e| panic!("not connected: {e}"));
}

/// The registration's path with every third request failing: `/api_version` once, the
/// registration, its polls, then the session steps each tried on their own.
#[tokio::test]
async fn a_freebox_registration_survives_every_third_request_failing() {
    let (connected, log) = register_on_flaky_freebox(0, 3).await;
    connected.unwrap_or_else(|e| panic!("not connected: {e} {:?}", log.lines()));
    assert_eq!(registrations(&log), 1, "{:?}", log.lines());
}

/// Records what the waiting dialog is told.
#[derive(Default)]
struct Approvals(std::sync::Mutex<Vec<crate::prompt::Approval>>);

#[async_trait::async_trait]
impl Prompter for Approvals {
    async fn ask(
        &self,
        _prompt: crate::prompt::Prompt,
    ) -> Result<crate::prompt::Answer, crate::prompt::Unanswered> {
        Err(crate::prompt::Unanswered::NoOneToAsk)
    }

    fn approval(&self, approval: crate::prompt::Approval, _status: crate::prompt::ApprovalStatus) {
        self.0.lock().unwrap().push(approval);
    }
}

/// The reply to the registration is lost (cut in half: the box registered nascmd, the
/// app never learnt the track): nothing in the API finds that registration again, so
/// it is sent once more, which the box takes instead of the first; the dialog says the
/// box may ask twice. Requests: 1 a request before, 2 `/api_version`, 3 the
/// registration (reply cut), 4 the registration again, 5 a poll (granted), 6 the
/// challenge (cut), 7 the challenge again, 8 the session.
#[tokio::test]
async fn a_lost_registration_reply_registers_once_more_and_says_so() {
    use crate::emulator::freebox::{FreeboxEmulatorConfig, GrantMode};
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = FreeboxEmulatorConfig::new(dir.path());
    cfg.grant = GrantMode::AfterPolls(0);
    cfg.faults.truncate_every = Some(3);
    let log = cfg.request_log.clone();
    let emu = crate::emulator::freebox::spawn(cfg).await.unwrap();
    reqwest::get(format!("{}/api_version", emu.base_url))
        .await
        .unwrap();
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Freebox,
        base_url: emu.base_url.clone(),
        user: None,
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    let shown = Approvals::default();
    let ctx = ConnectContext::isolated();
    let connected = connect(&ctx, None, &remote, &Answers::default(), &shown).await;
    connected.unwrap_or_else(|e| panic!("not connected: {e} {:?}", log.lines()));
    assert_eq!(registrations(&log), 2, "{:?}", log.lines());
    let shown = shown.0.lock().unwrap();
    let note = shown.last().and_then(|a| a.note).unwrap_or_default();
    assert!(note.contains("may ask twice"), "{:?}", *shown);
}

/// A session that expires on a link failing every third request: the renewal's
/// challenge fails, and the next try logs in first instead of sending the dead session
/// again (which made every try three requests: refused, challenge, session). Requests:
/// 1-4 the sign-in (3 failed), 5 a listing (refused: expired), 6 the challenge (HTTP
/// 500); then 7 the challenge, 8 the session, 9 the listing (HTTP 500), 10 the listing.
#[tokio::test]
async fn a_freebox_session_renewed_on_a_flaky_link_opens() {
    let FlakySignIn {
        connected,
        log,
        control,
        _emu,
        _dir,
    } = sign_in_to_flaky_freebox(faults_every(Some(3), None)).await;
    let vfs = connected
        .unwrap_or_else(|e| panic!("not connected: {e} {:?}", log.lines()))
        .vfs;
    control.expire_sessions();
    let root = VPath::parse("/").unwrap();
    if let Err(e) = crate::jobs::retry_interactive(|| vfs.list(&root)).await {
        panic!("{e} {:?}", log.lines());
    }
    let lines = log.lines();
    let listings = lines.iter().filter(|l| l.contains("/fs/ls/")).count();
    assert_eq!(listings, 3, "{lines:?}");
}

/// A box whose every registration reply is lost (HTTP 500 each time): the registration
/// is sent twice, not once per retry of the login, and the error says why.
#[tokio::test]
async fn a_registration_lost_twice_is_not_sent_a_third_time() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let app = axum::Router::new()
        .route(
            "/api_version",
            axum::routing::get(|| async {
                axum::Json(serde_json::json!({"api_version": "16.0", "api_base_url": "/api/"}))
            }),
        )
        .route(
            "/api/v16/login/authorize/",
            axum::routing::post(move || {
                counter.fetch_add(1, Ordering::SeqCst);
                async { axum::http::StatusCode::INTERNAL_SERVER_ERROR }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Freebox,
        base_url: format!("http://{addr}"),
        user: None,
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    let ctx = ConnectContext::isolated();
    let Err(e) = connect(&ctx, None, &remote, &Answers::default(), &NoPrompter).await else {
        panic!("connected to a box that answers no registration");
    };
    assert!(e.to_string().contains("lost twice"), "{e}");
    assert_eq!(sent.load(Ordering::SeqCst), 2);
}

/// A QNAP session that expires on a link failing every other request: the re-login
/// fails, and the next try logs in first instead of sending the dead sid again (which
/// made every try a refused request and a failed login, for ever).
#[tokio::test]
async fn a_qnap_session_renewed_on_a_flaky_link_opens() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Public")).unwrap();
    let mut cfg = crate::emulator::qnap::QnapEmulatorConfig::new(dir.path(), "alice", "pw");
    cfg.faults.http500_every = Some(2);
    cfg.faults.session_lifetime = Some(std::time::Duration::from_millis(1500));
    let log = cfg.request_log.clone();
    let emu = crate::emulator::qnap::spawn(cfg).await.unwrap();
    let base_url = format!("http://{}", emu.addr);
    let ctx = ConnectContext::isolated().with_password(&base_url, "alice", Secret::new("pw"));
    let remote = RemoteSpec {
        kind: crate::config::RemoteKind::Qnap,
        base_url: base_url.clone(),
        user: Some("alice".into()),
        profile: None,
        share_host: None,
        cert_sha256: None,
    };
    let vfs = connect(&ctx, None, &remote, &Answers::default(), &NoPrompter)
        .await
        .unwrap_or_else(|e| panic!("not connected: {e}"))
        .vfs;
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let public = VPath::parse("/Public").unwrap();
    let stat = crate::jobs::retry_interactive(|| vfs.stat(&public)).await;
    let lines = log.lines();
    assert!(
        stat.unwrap_or_else(|e| panic!("{e} {lines:?}")).is_dir(),
        "{lines:?}"
    );
}
