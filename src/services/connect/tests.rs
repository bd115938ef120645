//! The connection cache: local targets, one backend per account.

use super::*;
use crate::remotes::credentials;
use crate::remotes::prompt::NoPrompter;

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
