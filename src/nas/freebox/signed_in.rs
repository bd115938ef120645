//! For the library's own tests: a client registered with a Freebox emulator (it grants
//! at once) and signed in, as `FreeboxVfs::connect` leaves it.

use super::{AppInfo, AuthStatus, FreeboxConfig, FreeboxVfs, poll_authorization, register};

/// Registers a test app with the emulator at `base_url` and signs it in.
pub(crate) async fn signed_in(base_url: &str) -> FreeboxVfs {
    let app = AppInfo {
        app_id: "fr.nascmd.test".into(),
        app_name: "nascmd".into(),
        app_version: "0".into(),
        device_name: "test".into(),
    };
    let reg = register(base_url, &app).await.expect("registration");
    let status = poll_authorization(base_url, reg.track_id)
        .await
        .expect("authorization");
    assert_eq!(status, AuthStatus::Granted);
    FreeboxVfs::connect(FreeboxConfig {
        base_url: base_url.to_owned(),
        app_id: app.app_id,
        app_token: reg.app_token,
    })
    .await
    .expect("sign-in")
}
