//! The Freebox emulator against the conformance table of `shared/protocols/freebox.md`
//! §13 (auth, listing, fs operations, tasks, paths) over real HTTP on loopback and a real
//! temporary folder. Transfers and share links: `freebox_emulator_transfers.rs`.

use crate::support;

use std::time::Duration;

use nascmd::emulator::freebox::{
    AppPermissions, FreeboxEmulatorConfig, GrantMode, VolumeLayout, spawn_with_control,
};
use reqwest::StatusCode;
use serde_json::json;
use support::freebox_api::*;

#[tokio::test]
async fn discovery_registration_challenge_session_logout() {
    let mut f = Fbx::start(|c| c.grant = GrantMode::After(Duration::from_millis(1500))).await;
    // #1: bare object at the web root, api_version a string.
    let (s, v) = f.get_noauth("/api_version").await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.get("success").is_none());
    assert_eq!(v["api_version"], "16.0");
    assert_eq!(v["api_base_url"], "/api/");
    assert_eq!(v["device_name"], "Freebox Server");
    assert!(v["https_available"].is_boolean() && v["https_port"].is_u64());
    assert_eq!(v["uid"].as_str().unwrap().len(), 32);
    let (_, v2) = f.get_noauth("/api/v8/api_version").await;
    assert_eq!(v2["uid"], v["uid"]);
    // #2
    let (_, v) = f.get_noauth("/api/v8/login").await;
    assert_eq!(v["result"]["logged_in"], false);
    assert_eq!(v["result"]["challenge"].as_str().unwrap().len(), 32);
    // #3 happened in start(): token is 64 base64 chars.
    assert_eq!(f.app_token.len(), 64);
    // #4: pending, then granted once the "button" is pressed.
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
    assert_eq!(v["result"]["status"], "pending");
    assert!(v["result"]["challenge"].is_string());
    // Logging in while pending is refused.
    let err = f.login().await.unwrap_err();
    assert_eq!(err["error_code"], "pending_token");
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1/").await;
    assert_eq!(v["result"]["status"], "granted");
    // #5: bad password.
    let (s, v) = f
        .post_noauth(
            "/api/v8/login/session/",
            json!({"app_id":"t.app","password":"0000000000000000000000000000000000000000"}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error_code"], "invalid_token");
    assert!(v["result"]["challenge"].is_string());
    // #6
    f.login().await.unwrap();
    assert_eq!(f.session.len(), 64);
    let (_, v) = f.get("/api/v8/login/").await;
    assert_eq!(v["result"]["logged_in"], true);
    // #7: no header.
    let (s, v) = f.get_noauth("/api/v8/fs/ls/Lw==").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error_code"], "auth_required");
    assert_eq!(
        v["msg"],
        "Vous devez vous connecter pour accéder à cette fonction"
    );
    // #43, #44
    let (s, v) = f.get("/api/v8/fs/nosuchroute").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(v["error_code"], "invalid_request");
    assert_eq!(v["msg"], "Requête invalide (404)");
    let (_, v) = f.get("/api/v99/fs/ls/Lw==").await;
    assert_eq!(v["error_code"], "invalid_api_version");
    let (s, _) = f.get("/api/latest/fs/ls/Lw==").await;
    assert_eq!(s, StatusCode::OK);
    // #42: logout, then the token is dead; a second logout is invalid_session.
    let (s, v) = f.post("/api/v8/login/logout/", json!({})).await;
    assert_eq!((s, v["success"].clone()), (StatusCode::OK, json!(true)));
    let (s, v) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::FORBIDDEN, json!("auth_required"))
    );
    let (s, v) = f.post("/api/v8/login/logout", json!({})).await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::FORBIDDEN, json!("invalid_session"))
    );
    // Unknown app.
    let (s, v) = f
        .post_noauth(
            "/api/v8/login/session/",
            json!({"app_id":"nope","password":"00"}),
        )
        .await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::FORBIDDEN, json!("invalid_token"))
    );
    // Not JSON at all.
    let (_, v) = f
        .send(
            f.http
                .post(f.url("/api/v8/login/session/"))
                .body("app_id=x"),
            false,
        )
        .await;
    assert_eq!(v["error_code"], "invalid_request");
}

#[tokio::test]
async fn v8_login_needs_the_verdict_polled() {
    let mut f = Fbx::start(|_| {}).await;
    assert_eq!(
        f.login_unpolled().await.unwrap_err()["error_code"],
        "pending_token"
    );
    f.login().await.unwrap();
    // Older APIs let an app in as soon as the owner answered.
    let mut old = Fbx::start(|_| {}).await;
    let (_, ch) = old.get_noauth("/api/v6/login/").await;
    let challenge = ch["result"]["challenge"].as_str().unwrap();
    let password = hmac_hex(&old.app_token, challenge);
    let (s, v) = old
        .post_noauth(
            "/api/v6/login/session/",
            json!({"app_id": "t.app", "password": password}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    old.session = v["result"]["session_token"].as_str().unwrap().to_owned();
    assert_eq!(old.get("/api/v6/fs/ls/Lw==").await.0, StatusCode::OK);
}

#[tokio::test]
async fn grant_after_a_number_of_polls() {
    let mut f = Fbx::start(|c| c.grant = GrantMode::AfterPolls(2)).await;
    for expected in ["pending", "pending", "granted", "granted"] {
        let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
        assert_eq!(v["result"]["status"], expected);
    }
    f.login_unpolled().await.unwrap();
}

#[tokio::test]
async fn denied_and_timed_out_registrations() {
    let mut f = Fbx::start(|c| c.grant = GrantMode::Deny).await;
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
    assert_eq!(v["result"]["status"], "denied");
    assert_eq!(f.login().await.unwrap_err()["error_code"], "invalid_token");
    let (_, v) = f.get_noauth("/api/v8/login/authorize/99").await;
    assert_eq!(v["result"]["status"], "unknown");

    let f = Fbx::start(|c| c.grant = GrantMode::Timeout(Duration::from_millis(1000))).await;
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
    assert_eq!(v["result"]["status"], "pending");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
    assert_eq!(v["result"]["status"], "timeout");
}

#[tokio::test]
async fn missing_explorer_permission_and_expired_sessions() {
    let mut f = Fbx::start(|c| {
        c.app_permissions = AppPermissions {
            explorer: false,
            ..AppPermissions::default()
        }
    })
    .await;
    f.login().await.unwrap();
    // #41
    for path in [
        "/api/v8/fs/ls/Lw==",
        "/api/v8/share_link/",
        "/api/v8/fs/tasks/",
    ] {
        let (s, v) = f.get(path).await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert_eq!(v["error_code"], "insufficient_rights");
        assert_eq!(v["missing_right"], "explorer");
    }
    // Granting it takes a new session, like on the box.
    f.control.set_permissions(AppPermissions::default());
    let (_, v) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(v["error_code"], "insufficient_rights");
    f.login().await.unwrap();
    let (s, _) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(s, StatusCode::OK);
    // Expiry on demand, then re-login works.
    f.control.expire_sessions();
    let (s, v) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::FORBIDDEN, json!("auth_required"))
    );
    f.login().await.unwrap();
    assert_eq!(f.get("/api/v8/fs/ls/Lw==").await.0, StatusCode::OK);

    // Session lifetime.
    let mut f = Fbx::start(|c| c.session_ttl = Duration::from_millis(1000)).await;
    f.login().await.unwrap();
    assert_eq!(f.get("/api/v8/fs/ls/Lw==").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        f.get("/api/v8/fs/ls/Lw==").await.1["error_code"],
        "auth_required"
    );
}

#[tokio::test]
async fn listing_and_info() {
    let f = Fbx::ready().await;
    // #8
    let (_, v) = f.get("/api/v8/fs/ls/Lw==").await;
    let vol = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "Disque dur")
        .unwrap()
        .clone();
    assert_eq!(vol["path"], V);
    assert_eq!(vol["type"], "dir");
    // #9
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    let r = &v["result"];
    assert_eq!(names(r), [".", "..", "Photos", "a.txt", "b.txt"]);
    assert_eq!(r[0]["path"], V);
    assert_eq!(r[0]["hidden"], true);
    assert_eq!(r[1]["path"], "Lw==");
    assert_eq!(r[1]["index"], 1);
    assert_eq!(r[2]["mimetype"], "inode/directory");
    assert_eq!(r[2]["path"], P);
    assert_eq!(r[3]["type"], "file");
    assert_eq!(r[3]["size"], 10);
    assert_eq!(r[3]["path"], A);
    assert!(r[3]["modification"].is_i64());
    // The raw body escapes slashes like the box.
    let raw = f
        .http
        .get(f.url(&format!("/api/v8/fs/ls/{V}")))
        .header("X-Fbx-App-Auth", &f.session)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains(r#""inode\/directory""#));
    // #10, #11, #12
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}?removeHidden=1")).await;
    assert_eq!(names(&v["result"]), ["Photos", "a.txt", "b.txt"]);
    let (_, v) = f
        .get(&format!("/api/v8/fs/ls/{V}?onlyFolder=1&removeHidden=1"))
        .await;
    assert_eq!(names(&v["result"]), ["Photos"]);
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}?countSubFolder=1")).await;
    assert_eq!(v["result"][2]["foldercount"], 0);
    assert_eq!(v["result"][2]["filecount"], 0);
    // #13, #14: v15 shape and paging.
    let (_, v) = f.get(&format!("/api/v15/fs/ls/{V}")).await;
    assert_eq!(names(&v["result"]["entries"]).len(), 5);
    assert!(v["result"].get("cursor").is_none());
    let (_, v) = f.get(&format!("/api/v15/fs/ls/{V}?limit=2")).await;
    assert_eq!(names(&v["result"]["entries"]), [".", ".."]);
    let cursor = v["result"]["cursor"].as_str().unwrap().to_owned();
    let url = reqwest::Url::parse_with_params(
        &f.url(&format!("/api/v15/fs/ls/{V}")),
        &[("cursor", cursor.as_str())],
    )
    .unwrap();
    let (_, v) = f.send(f.http.get(url), true).await;
    assert_eq!(names(&v["result"]["entries"]), ["Photos", "a.txt", "b.txt"]);
    // #15
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{X}")).await;
    assert_eq!(v["success"], false);
    assert_eq!(v["error_code"], "path_not_found");
    // #16
    let (_, v) = f.get(&format!("/api/v8/fs/info/{A}")).await;
    assert_eq!(v["result"]["type"], "file");
    assert_eq!(v["result"]["size"], 10);
    assert_eq!(v["result"]["name"], "a.txt");
    assert_eq!(v["result"]["parent"], V);
    assert_eq!(v["result"]["mimetype"], "text/plain");
    // #17
    let (_, v) = f.post("/api/v15/fs/info", json!([A, X])).await;
    assert_eq!(names(&v["result"]), ["a.txt"]);
}

#[tokio::test]
async fn mkdir_rename_and_escapes() {
    let f = Fbx::ready().await;
    // #18, #19
    let body = json!({"parent": V, "dirname": "Nouveau dossier"});
    let (_, v) = f.post("/api/v8/fs/mkdir/", body.clone()).await;
    assert_eq!(v["result"], "L0Rpc3F1ZSBkdXIvTm91dmVhdSBkb3NzaWVy");
    assert!(f.disk().join("Nouveau dossier").is_dir());
    let (_, v) = f.post("/api/v8/fs/mkdir", body).await;
    assert_eq!(v["error_code"], "destination_conflict");
    // #20
    let (_, v) = f
        .post("/api/v8/fs/rename/", json!({"src": B, "dst": "c.txt"}))
        .await;
    assert_eq!(v["result"], "L0Rpc3F1ZSBkdXIvYy50eHQ=");
    assert!(f.disk().join("c.txt").is_file() && !f.disk().join("b.txt").exists());
    let (_, v) = f
        .post("/api/v8/fs/rename/", json!({"src": A, "dst": "c.txt"}))
        .await;
    assert_eq!(v["error_code"], "destination_conflict");
    // Escapes: `..`, NUL, names with `/`, a symlink pointing out, the volume itself.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"s").unwrap();
    std::os::unix::fs::symlink(outside.path(), f.disk().join("out")).unwrap();
    for bad in [
        "/Disque dur/../etc",
        "/Disque dur/Photos/../../x",
        "/Disque dur/out/secret",
    ] {
        let (_, v) = f.get(&format!("/api/v8/fs/ls/{}", tok(bad))).await;
        assert_eq!(v["success"], false, "{bad}");
        let resp = f
            .http
            .get(f.url(&format!("/api/v8/dl/{}", tok(bad))))
            .header("X-Fbx-App-Auth", &f.session)
            .send()
            .await
            .unwrap();
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
    }
    let (_, v) = f
        .get(&format!("/api/v8/fs/info/{}", tok("/Disque dur/a\0b")))
        .await;
    assert_eq!(v["error_code"], "invalid_request");
    for dirname in ["..", "a/b", ""] {
        let (_, v) = f
            .post(
                "/api/v8/fs/mkdir/",
                json!({"parent": V, "dirname": dirname}),
            )
            .await;
        assert_eq!(v["success"], false, "{dirname}");
    }
    let (_, v) = f
        .post("/api/v8/fs/rename/", json!({"src": A, "dst": "../a.txt"}))
        .await;
    assert_eq!(v["success"], false);
    let (_, v) = f
        .post(
            "/api/v8/fs/mkdir/",
            json!({"parent": tok("/Disque dur/out"), "dirname": "x"}),
        )
        .await;
    assert_eq!(v["success"], false);
    assert!(!outside.path().join("x").exists());
    let (_, v) = f
        .post("/api/v8/fs/rename/", json!({"src": V, "dst": "x"}))
        .await;
    assert_eq!(v["error_code"], "access_denied");
    // Undecodable tokens: JSON errors, never a crash or a plain-text reply.
    for bad in ["%%%", "%FF%FE", "L0Rpc3F1ZSBkdXIv%00"] {
        let (_, v) = f.get(&format!("/api/v8/fs/ls/{bad}")).await;
        assert_eq!(v["success"], false, "{bad}");
    }
}

#[tokio::test]
async fn tasks_copy_move_remove_hash() {
    let f = Fbx::ready().await;
    // #27
    let (_, v) = f.get("/api/v8/fs/tasks/").await;
    assert_eq!(v, json!({"success": true}));
    // #21
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [A], "dst": P, "mode": "overwrite"}),
        )
        .await;
    assert_eq!(v["result"]["type"], "cp");
    let id = v["result"]["id"].as_u64().unwrap();
    let t = f.wait_task(id).await;
    assert_eq!(
        (
            t["state"].clone(),
            t["progress"].clone(),
            t["error"].clone()
        ),
        (json!("done"), json!(100), json!("none"))
    );
    assert_eq!(t["src"], json!(["/Disque dur/a.txt"]));
    assert_eq!(t["dst"], "/Disque dur/Photos");
    assert_eq!(
        std::fs::read(f.disk().join("Photos/a.txt")).unwrap(),
        b"0123456789"
    );
    // Finished tasks linger until deleted.
    let (_, v) = f.get("/api/v8/fs/tasks").await;
    assert_eq!(v["result"].as_array().unwrap().len(), 1);
    // #22
    let (_, v) = f
        .post("/api/v8/fs/mv/", json!({"files": [A], "dst": P}))
        .await;
    assert_eq!(v["error_code"], "invalid_conflict_mode");
    // #23
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [B], "dst": A, "mode": "skip"}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(
        (t["state"].clone(), t["error"].clone()),
        (json!("failed"), json!("dest_is_not_dir"))
    );
    // cp mode both keeps both; skip leaves the target alone.
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [A], "dst": P, "mode": "both"}),
        )
        .await;
    f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert!(f.disk().join("Photos/a (1).txt").is_file());
    std::fs::write(f.disk().join("Photos/a.txt"), b"changed").unwrap();
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [A], "dst": P, "mode": "skip"}),
        )
        .await;
    f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(
        std::fs::read(f.disk().join("Photos/a.txt")).unwrap(),
        b"changed"
    );
    // Copying a folder into itself fails inside the task.
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [P], "dst": P, "mode": "overwrite"}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["error"], "copy_into_itself");
    // Moving or copying a file onto itself fails and loses nothing.
    for (op, mode) in [("mv", "overwrite"), ("cp", "overwrite")] {
        let (_, v) = f
            .post(
                &format!("/api/v8/fs/{op}/"),
                json!({"files": [A], "dst": V, "mode": mode}),
            )
            .await;
        let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
        assert_eq!(t["error"], "same_file");
        assert_eq!(
            std::fs::read(f.disk().join("a.txt")).unwrap(),
            b"0123456789"
        );
    }
    // mv of a file into Photos.
    let (_, v) = f
        .post(
            "/api/v8/fs/mv/",
            json!({"files": [B], "dst": P, "mode": "overwrite"}),
        )
        .await;
    assert_eq!(v["result"]["type"], "mv");
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "done");
    assert!(!f.disk().join("b.txt").exists());
    assert_eq!(
        std::fs::read(f.disk().join("Photos/b.txt")).unwrap(),
        b"bbb"
    );
    // #28
    let (_, v) = f
        .post("/api/v8/fs/hash/", json!({"src": A, "hash_type": "sha256"}))
        .await;
    let id = v["result"]["id"].as_u64().unwrap();
    assert_eq!(f.wait_task(id).await["type"], "hash");
    let (_, v) = f.get(&format!("/api/v8/fs/tasks/{id}/hash")).await;
    assert_eq!(
        v["result"]["hash"],
        "84d89877f0d4041efb6bf91a16f0248f2fd573e6af05c19f96bedb9f882f7882"
    );
    let (_, v) = f
        .post("/api/v8/fs/hash/", json!({"src": A, "hash_type": "md5"}))
        .await;
    let id = v["result"]["id"].as_u64().unwrap();
    f.wait_task(id).await;
    let (_, v) = f.get(&format!("/api/v8/fs/tasks/{id}/hash")).await;
    assert_eq!(v["result"]["hash"], "781e5e245d69b566979b86e28d23f2c7");
    // #24: rm of a folder with content.
    let (_, v) = f.post("/api/v8/fs/rm/", json!({"files": [P]})).await;
    assert_eq!(v["result"]["type"], "rm");
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "done");
    assert!(!f.disk().join("Photos").exists());
    let (_, v) = f.post("/api/v8/fs/rm/", json!({"files": [V]})).await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "failed");
    assert!(f.disk().join("a.txt").exists());
    // #26
    let (_, v) = f.delete(&format!("/api/v8/fs/tasks/{id}")).await;
    assert_eq!(v, json!({"success": true}));
    let (_, v) = f.get(&format!("/api/v8/fs/tasks/{id}")).await;
    assert_eq!(v["error_code"], "invalid_id");
}

#[tokio::test]
async fn task_progress_pause_and_resume() {
    let f = Fbx::start(|c| c.task_rate_limit = Some(4 << 20)).await;
    let mut f = f;
    f.login().await.unwrap();
    let big = vec![7u8; 3 << 20];
    std::fs::write(f.disk().join("big.bin"), &big).unwrap();
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [tok("/Disque dur/big.bin")], "dst": P, "mode": "overwrite"}),
        )
        .await;
    let id = v["result"]["id"].as_u64().unwrap();
    assert_eq!(v["result"]["state"], "running");
    // A second task waits its turn.
    let (_, v2) = f
        .post("/api/v8/fs/hash/", json!({"src": A, "hash_type": "sha1"}))
        .await;
    assert_eq!(v2["result"]["state"], "queued");
    // #25
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, v) = f
        .put(
            &format!("/api/v8/fs/tasks/{id}"),
            json!({"state": "paused"}),
        )
        .await;
    assert_eq!(v["result"]["state"], "paused");
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (_, a) = f.get(&format!("/api/v8/fs/tasks/{id}")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, b) = f.get(&format!("/api/v8/fs/tasks/{id}")).await;
    assert_eq!(
        a["result"]["total_bytes_done"],
        b["result"]["total_bytes_done"]
    );
    let p = b["result"]["progress"].as_u64().unwrap();
    assert!(p > 0 && p < 100, "progress {p}");
    assert_eq!(b["result"]["total_bytes"], 3 << 20);
    assert!(
        !f.disk().join("Photos/big.bin").exists(),
        "final name visible mid-copy"
    );
    let (_, v) = f
        .put(
            &format!("/api/v8/fs/tasks/{id}"),
            json!({"state": "running"}),
        )
        .await;
    assert_eq!(v["result"]["state"], "running");
    let (_, v) = f
        .put(&format!("/api/v8/fs/tasks/{id}"), json!({"state": "bogus"}))
        .await;
    assert_eq!(v["error_code"], "invalid_state");
    let t = f.wait_task(id).await;
    assert_eq!(t["state"], "done");
    assert_eq!(std::fs::read(f.disk().join("Photos/big.bin")).unwrap(), big);
    let t2 = f.wait_task(v2["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t2["state"], "done");
}

#[tokio::test]
async fn base64_paths_round_trip_awkward_names() {
    let f = Fbx::ready().await;
    // "é?" encodes with a `/`, "~~~" with `+`; spaces, accents, NFD and `+` in names.
    let names_in = [
        "é?",
        "~~~",
        "Vidéos d'été + plus",
        "Spe\u{301}cial",
        "a+b=c",
    ];
    for n in names_in {
        let (_, v) = f
            .post("/api/v8/fs/mkdir/", json!({"parent": V, "dirname": n}))
            .await;
        let t = v["result"].as_str().unwrap().to_owned();
        assert_eq!(t, tok(&format!("/Disque dur/{n}")));
        assert!(f.disk().join(n).is_dir(), "{n}");
        // Token used raw in the URL path.
        let (_, v) = f.get(&format!("/api/v8/fs/info/{t}")).await;
        assert_eq!(v["result"]["name"], n);
        std::fs::write(f.disk().join(n).join("f"), n.as_bytes()).unwrap();
        let ft = tok(&format!("/Disque dur/{n}/f"));
        let body = f
            .http
            .get(f.url(&format!("/api/v8/dl/{ft}")))
            .header("X-Fbx-App-Auth", &f.session)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(body.as_ref(), n.as_bytes());
    }
    assert!(tok("/Disque dur/é?").contains('/'));
    assert!(tok("/Disque dur/~~~").contains('+'));
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}?removeHidden=1")).await;
    let listed = names(&v["result"]);
    for n in names_in {
        assert!(listed.iter().any(|l| l == n), "{n} not in {listed:?}");
        let e = v["result"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == n)
            .unwrap();
        assert_eq!(e["path"], tok(&format!("/Disque dur/{n}")));
    }
    // Percent-encoded tokens decode to the same path; unpadded tokens are accepted.
    let (_, v) = f.get("/api/v8/fs/info/L0Rpc3F1ZSBkdXIvw6k%2F").await;
    assert_eq!(v["result"]["name"], "é?");
    let (_, v) = f.get("/api/v8/fs/info/L0Rpc3F1ZSBkdXIvYS50eHQ").await;
    assert_eq!(v["result"]["name"], "a.txt");
}

#[tokio::test]
async fn business_error_status_is_configurable() {
    let mut f = Fbx::start(|c| c.business_error_status = StatusCode::NOT_FOUND).await;
    f.login().await.unwrap();
    let (s, v) = f.get(&format!("/api/v8/fs/ls/{X}")).await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::NOT_FOUND, json!("path_not_found"))
    );
    let (s, _) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn tasks_on_nested_trees() {
    let f = Fbx::ready().await;
    let d = f.disk();
    std::fs::create_dir_all(d.join("src/x/deep")).unwrap();
    std::fs::write(d.join("src/x/deep/y.txt"), b"yyy").unwrap();
    std::fs::write(d.join("src/z é.txt"), b"zz").unwrap();
    std::fs::create_dir_all(d.join("Photos/src/x")).unwrap();
    std::fs::write(d.join("Photos/src/x/keep.txt"), b"keep").unwrap();
    let src = tok("/Disque dur/src");
    // Folder onto an existing folder: merged.
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [src], "dst": P, "mode": "overwrite"}),
        )
        .await;
    let t = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(t["state"], "done", "{t}");
    assert_eq!(t["nfiles"], 2);
    assert_eq!(t["total_bytes"], 5);
    assert_eq!(
        std::fs::read(d.join("Photos/src/x/deep/y.txt")).unwrap(),
        b"yyy"
    );
    assert_eq!(std::fs::read(d.join("Photos/src/z é.txt")).unwrap(), b"zz");
    assert_eq!(
        std::fs::read(d.join("Photos/src/x/keep.txt")).unwrap(),
        b"keep"
    );
    // Move the tree into a new folder, then remove it.
    let (_, v) = f
        .post("/api/v8/fs/mkdir/", json!({"parent": V, "dirname": "dest"}))
        .await;
    let dest = v["result"].as_str().unwrap().to_owned();
    let (_, v) = f
        .post(
            "/api/v8/fs/mv/",
            json!({"files": [src], "dst": dest, "mode": "overwrite"}),
        )
        .await;
    assert_eq!(
        f.wait_task(v["result"]["id"].as_u64().unwrap()).await["state"],
        "done"
    );
    assert!(!d.join("src").exists());
    assert_eq!(
        std::fs::read(d.join("dest/src/x/deep/y.txt")).unwrap(),
        b"yyy"
    );
    let (_, v) = f
        .post(
            "/api/v8/fs/rm/",
            json!({"files": [dest, tok("/Disque dur/Photos/src")]}),
        )
        .await;
    assert_eq!(
        f.wait_task(v["result"]["id"].as_u64().unwrap()).await["state"],
        "done"
    );
    assert!(!d.join("dest").exists() && !d.join("Photos/src").exists());
    assert!(d.join("Photos").is_dir());
}

#[tokio::test]
async fn older_box_and_volume_per_folder_layout() {
    let mut f = Fbx::start(|c| {
        c.api_major = 8;
        c.layout = VolumeLayout::VolumePerFolder;
    })
    .await;
    f.login().await.unwrap();
    // The fixture's top-level folder `Photos` is now a volume; files at the top are not.
    std::fs::create_dir(f.disk().join("Disque 1")).unwrap();
    let (_, v) = f.get_noauth("/api_version").await;
    assert_eq!(v["api_version"], "8.0");
    let (_, v) = f.get("/api/v15/fs/ls/Lw==").await;
    assert_eq!(v["error_code"], "invalid_api_version");
    let (_, v) = f.get("/api/v4/fs/ls/Lw==?removeHidden=1").await;
    assert_eq!(names(&v["result"]), ["Disque 1", "Photos"]);
    let (_, v) = f
        .post(
            "/api/v8/fs/mkdir/",
            json!({"parent": "Lw==", "dirname": "new"}),
        )
        .await;
    assert_eq!(v["error_code"], "access_denied");
    let (_, v) = f
        .post(
            "/api/v8/fs/mkdir/",
            json!({"parent": tok("/Disque 1"), "dirname": "new"}),
        )
        .await;
    assert_eq!(v["result"], tok("/Disque 1/new"));
    assert!(f.disk().join("Disque 1/new").is_dir());
    let (_, v) = f.get(&format!("/api/v8/fs/info/{}", tok("/a.txt"))).await;
    assert_eq!(v["error_code"], "path_not_found");
}

#[tokio::test]
async fn granted_apps_survive_a_restart_with_a_state_file() {
    let state_dir = tempfile::tempdir().unwrap();
    let state = state_dir.path().join("fbx-state.json");
    let st = state.clone();
    let mut f = Fbx::start(move |c| c.state_file = Some(st)).await;
    f.login().await.unwrap();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&state).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // A new emulator over the same state file knows the app: no new button press.
    let mut cfg = FreeboxEmulatorConfig::new(f.disk());
    cfg.state_file = Some(state.clone());
    cfg.grant = GrantMode::Deny;
    let (emu, control) = spawn_with_control(cfg).await.unwrap();
    let mut g = Fbx {
        emu,
        control,
        http: reqwest::Client::new(),
        session: String::new(),
        app_token: f.app_token.clone(),
        dir: tempfile::tempdir().unwrap(),
    };
    g.login_unpolled().await.unwrap();
    assert_eq!(g.get("/api/v8/fs/ls/Lw==").await.0, StatusCode::OK);
    // Revoking it forgets it for good.
    g.control.revoke_app("t.app");
    assert_eq!(
        g.login_unpolled().await.unwrap_err()["error_code"],
        "invalid_token"
    );
    assert!(!std::fs::read_to_string(&state).unwrap().contains("t.app"));
}
