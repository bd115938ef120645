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

/// Requests: 1 `/api_version`, 2 the registration, 3 `/api_version` of the polls, 4 the
/// first poll (HTTP 500), 5 (pending), 6 (granted). The failed poll is polled again: the
/// box asks for ✓ once, not twice.
#[tokio::test]
async fn a_freebox_registration_survives_a_failed_poll() {
    let (connected, log) = register_on_flaky_freebox(1, 4).await;
    let connected = connected.unwrap_or_else(|e| panic!("not connected: {e}"));
    assert_eq!(registrations(&log), 1, "{:?}", log.lines());
    assert!(connected.obtained.app_token.is_some());
}

/// Requests: 1-2 the registration, 3 `/api_version` of the polls, 4 a poll (granted), 5
/// `/api_version` of the session, 6 its challenge (HTTP 500). The login tried again uses
/// the token the box just granted instead of registering anew.
#[tokio::test]
async fn a_session_that_fails_after_the_grant_does_not_register_again() {
    let (connected, log) = register_on_flaky_freebox(0, 6).await;
    connected.unwrap_or_else(|e| panic!("not connected: {e}"));
    assert_eq!(registrations(&log), 1, "{:?}", log.lines());
}
