//! The Freebox emulator against the conformance table of `shared/protocols/freebox.md`
//! §13, over real HTTP/WebSocket on loopback and a real temporary folder.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, KeyInit, Mac};
use nascmd::emulator::freebox::{
    AppPermissions, FreeboxEmulatorConfig, GrantMode, RunningFreebox, spawn,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const V: &str = "L0Rpc3F1ZSBkdXI=";
const P: &str = "L0Rpc3F1ZSBkdXIvUGhvdG9z";
const A: &str = "L0Rpc3F1ZSBkdXIvYS50eHQ=";
const B: &str = "L0Rpc3F1ZSBkdXIvYi50eHQ=";
const X: &str = "L0Rpc3F1ZSBkdXIvbm9wZQ==";

fn tok(clear: &str) -> String {
    STANDARD.encode(clear.as_bytes())
}

struct Fbx {
    emu: RunningFreebox,
    http: reqwest::Client,
    session: String,
    app_token: String,
    dir: tempfile::TempDir,
}

fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Photos")).unwrap();
    std::fs::write(dir.path().join("a.txt"), b"0123456789").unwrap();
    std::fs::write(dir.path().join("b.txt"), b"bbb").unwrap();
    dir
}

fn hmac_hex(key: &str, challenge: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(challenge.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Fbx {
    async fn start(tweak: impl FnOnce(&mut FreeboxEmulatorConfig)) -> Fbx {
        let dir = fixture_dir();
        let mut cfg = FreeboxEmulatorConfig::new(dir.path());
        tweak(&mut cfg);
        let emu = spawn(cfg).await.unwrap();
        let mut f = Fbx {
            emu,
            http: reqwest::Client::new(),
            session: String::new(),
            app_token: String::new(),
            dir,
        };
        let (_, reg) = f
            .post_noauth(
                "/api/v8/login/authorize/",
                json!({"app_id":"t.app","app_name":"T","app_version":"1","device_name":"pc"}),
            )
            .await;
        f.app_token = reg["result"]["app_token"].as_str().unwrap().to_owned();
        f
    }

    /// Starts with auto-grant and logs in.
    async fn ready() -> Fbx {
        let mut f = Fbx::start(|_| {}).await;
        f.login().await.unwrap();
        f
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url)
    }

    async fn login(&mut self) -> Result<(), Value> {
        let (_, ch) = self.get_noauth("/api/v8/login/").await;
        let challenge = ch["result"]["challenge"].as_str().unwrap();
        let password = hmac_hex(&self.app_token, challenge);
        let (status, v) = self
            .post_noauth(
                "/api/v8/login/session/",
                json!({"app_id":"t.app","password":password}),
            )
            .await;
        if status != StatusCode::OK {
            return Err(v);
        }
        assert!(v["result"]["permissions"]["explorer"].is_boolean());
        self.session = v["result"]["session_token"].as_str().unwrap().to_owned();
        Ok(())
    }

    async fn send(&self, req: reqwest::RequestBuilder, auth: bool) -> (StatusCode, Value) {
        let req = if auth {
            req.header("X-Fbx-App-Auth", &self.session)
        } else {
            req
        };
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(ct.starts_with("application/json"), "content-type {ct}");
        (status, resp.json().await.unwrap())
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(self.url(path)), true).await
    }
    async fn get_noauth(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(self.url(path)), false).await
    }
    async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.post(self.url(path)).body(body.to_string()), true)
            .await
    }
    async fn post_noauth(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.post(self.url(path)).body(body.to_string()), false)
            .await
    }
    async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.put(self.url(path)).body(body.to_string()), true)
            .await
    }
    async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.delete(self.url(path)), true).await
    }

    /// Polls a task until it is done or failed.
    async fn wait_task(&self, id: u64) -> Value {
        for _ in 0..400 {
            let (_, v) = self.get(&format!("/api/v8/fs/tasks/{id}")).await;
            let state = v["result"]["state"].as_str().unwrap().to_owned();
            if state == "done" || state == "failed" {
                return v["result"].clone();
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("task {id} did not finish");
    }

    fn disk(&self) -> &std::path::Path {
        self.dir.path()
    }
}

fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn discovery_registration_challenge_session_logout() {
    let mut f = Fbx::start(|c| c.grant = GrantMode::After(Duration::from_millis(400))).await;
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
    tokio::time::sleep(Duration::from_millis(450)).await;
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
async fn denied_and_timed_out_registrations() {
    let mut f = Fbx::start(|c| c.grant = GrantMode::Deny).await;
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
    assert_eq!(v["result"]["status"], "denied");
    assert_eq!(f.login().await.unwrap_err()["error_code"], "invalid_token");
    let (_, v) = f.get_noauth("/api/v8/login/authorize/99").await;
    assert_eq!(v["result"]["status"], "unknown");

    let f = Fbx::start(|c| c.grant = GrantMode::Timeout(Duration::from_millis(200))).await;
    let (_, v) = f.get_noauth("/api/v8/login/authorize/1").await;
    assert_eq!(v["result"]["status"], "pending");
    tokio::time::sleep(Duration::from_millis(250)).await;
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
    f.emu.control.set_permissions(AppPermissions::default());
    let (_, v) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(v["error_code"], "insufficient_rights");
    f.login().await.unwrap();
    let (s, _) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(s, StatusCode::OK);
    // Expiry on demand, then re-login works.
    f.emu.control.expire_sessions();
    let (s, v) = f.get("/api/v8/fs/ls/Lw==").await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::FORBIDDEN, json!("auth_required"))
    );
    f.login().await.unwrap();
    assert_eq!(f.get("/api/v8/fs/ls/Lw==").await.0, StatusCode::OK);

    // Session lifetime.
    let mut f = Fbx::start(|c| c.session_ttl = Duration::from_millis(300)).await;
    f.login().await.unwrap();
    assert_eq!(f.get("/api/v8/fs/ls/Lw==").await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(350)).await;
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
    // Undecodable token.
    let (_, v) = f.get("/api/v8/fs/ls/%%%").await;
    assert_eq!(v["success"], false);
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
async fn download_with_range() {
    let f = Fbx::ready().await;
    // #29
    let resp = f
        .http
        .get(f.url(&format!("/api/v8/dl/{A}")))
        .header("X-Fbx-App-Auth", &f.session)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert_eq!(h["content-length"], "10");
    assert_eq!(h["content-disposition"], "attachment; filename=\"a.txt\"");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"0123456789");
    // Range → 206.
    let resp = f
        .http
        .get(f.url(&format!("/api/v8/dl/{A}")))
        .header("X-Fbx-App-Auth", &f.session)
        .header("Range", "bytes=4-")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.headers()["content-range"], "bytes 4-9/10");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"456789");
    let resp = f
        .http
        .get(f.url(&format!("/api/v8/dl/{A}")))
        .header("X-Fbx-App-Auth", &f.session)
        .header("Range", "bytes=20-30")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    // #30
    let (_, v) = f.get(&format!("/api/v8/dl/{X}")).await;
    assert_eq!(v["error_code"], "path_not_found");
    // No session: JSON 403.
    let (s, v) = f.get_noauth(&format!("/api/v8/dl/{A}")).await;
    assert_eq!(
        (s, v["error_code"].clone()),
        (StatusCode::FORBIDDEN, json!("auth_required"))
    );
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn ws_connect(f: &Fbx) -> Ws {
    let url = format!("{}/api/v8/ws/upload", f.emu.base_url.replace("http", "ws"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("X-Fbx-App-Auth", f.session.parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

async fn ws_cmd(ws: &mut Ws, cmd: Value) -> Value {
    ws.send(Message::Text(cmd.to_string().into()))
        .await
        .unwrap();
    ws_reply(ws).await
}

async fn ws_reply(ws: &mut Ws) -> Value {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[tokio::test]
async fn websocket_upload_and_tracking() {
    let f = Fbx::ready().await;
    let mut ws = ws_connect(&f).await;
    // #31
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":1,"size":5,"dirname":V,"filename":"d.txt"}),
    )
    .await;
    assert_eq!(
        v,
        json!({"action":"upload_start","success":true,"request_id":1})
    );
    ws.send(Message::Binary(b"hello".to_vec().into()))
        .await
        .unwrap();
    let v = ws_reply(&mut ws).await;
    assert_eq!(v["action"], "upload_data");
    assert_eq!(v["request_id"], 1);
    assert_eq!(v["result"], json!({"total_len":5,"complete":false}));
    assert!(
        !f.disk().join("d.txt").exists(),
        "final name visible before finalize"
    );
    let v = ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":2})).await;
    assert_eq!(v["result"], json!({"total_len":5,"complete":true}));
    assert_eq!(std::fs::read(f.disk().join("d.txt")).unwrap(), b"hello");
    // #32
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":3,"dirname":V,"filename":"a.txt"}),
    )
    .await;
    assert_eq!(v["success"], false);
    assert_eq!(v["error_code"], "conflict");
    assert_eq!(v["file_size"], 10);
    // #33
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":4,"dirname":V,"filename":"a.txt","force":"resume"}),
    )
    .await;
    assert_eq!(v["success"], true);
    ws.send(Message::Binary(b"abc".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(ws_reply(&mut ws).await["result"]["total_len"], 13);
    let v = ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":5})).await;
    assert_eq!(v["result"]["total_len"], 13);
    assert_eq!(
        std::fs::read(f.disk().join("a.txt")).unwrap(),
        b"0123456789abc"
    );
    // #34
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":6,"dirname":V,"filename":"e.txt"}),
    )
    .await;
    ws.send(Message::Binary(b"xy".to_vec().into()))
        .await
        .unwrap();
    ws_reply(&mut ws).await;
    let v = ws_cmd(&mut ws, json!({"action":"upload_cancel","request_id":7})).await;
    assert_eq!(v["result"]["complete"], true);
    assert_eq!(v["result"]["cancelled"], true);
    assert!(!f.disk().join("e.txt").exists());
    assert_eq!(
        std::fs::read_dir(f.disk()).unwrap().count(),
        4,
        "temp files left over"
    );
    // Overwrite, multi-frame, bigger file; bytes equal.
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":8,"dirname":P,"filename":"big été +.bin","force":"overwrite","size":data.len()}),
    )
    .await;
    for chunk in data.chunks(512 * 1024) {
        ws.send(Message::Binary(chunk.to_vec().into()))
            .await
            .unwrap();
    }
    let mut last = 0;
    for _ in data.chunks(512 * 1024) {
        last = ws_reply(&mut ws).await["result"]["total_len"]
            .as_u64()
            .unwrap();
    }
    assert_eq!(last, data.len() as u64);
    let v = ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":9})).await;
    assert_eq!(v["result"]["complete"], true);
    assert_eq!(
        std::fs::read(f.disk().join("Photos/big été +.bin")).unwrap(),
        data
    );
    // #36
    let (_, v) = f.get("/api/v8/upload/").await;
    let d = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["upload_name"] == "d.txt")
        .unwrap()
        .clone();
    assert_eq!(d["dirname"], "/Disque dur");
    assert_eq!(
        (
            d["status"].clone(),
            d["size"].clone(),
            d["uploaded"].clone()
        ),
        (json!("done"), json!(5), json!(5))
    );
    let (_, v) = f.get(&format!("/api/v8/upload/{}", d["id"])).await;
    assert_eq!(v["result"]["upload_name"], "d.txt");
    let (_, v) = f.get("/api/v8/upload/424242").await;
    assert_eq!(v["error_code"], "noent");
    // #37
    let (_, v) = f.delete("/api/v8/upload/clean").await;
    assert_eq!(v, json!({"success": true}));
    let (_, v) = f.get("/api/v8/upload/").await;
    assert_eq!(v, json!({"success": true}));

    // A socket closed mid-upload leaves no file under the final name; resume picks it up.
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":10,"dirname":V,"filename":"part.bin"}),
    )
    .await;
    ws.send(Message::Binary(b"12345".to_vec().into()))
        .await
        .unwrap();
    ws_reply(&mut ws).await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!f.disk().join("part.bin").exists());
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}?removeHidden=1")).await;
    assert!(!names(&v["result"]).iter().any(|n| n.contains("part")));
    let mut ws = ws_connect(&f).await;
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":11,"dirname":V,"filename":"part.bin"}),
    )
    .await;
    assert_eq!(v["file_size"], 5);
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":12,"dirname":V,"filename":"part.bin","force":"resume"}),
    )
    .await;
    ws.send(Message::Binary(b"678".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(ws_reply(&mut ws).await["result"]["total_len"], 8);
    ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":13})).await;
    assert_eq!(
        std::fs::read(f.disk().join("part.bin")).unwrap(),
        b"12345678"
    );
    // Bad folder and hostile names.
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","dirname":X,"filename":"z"}),
    )
    .await;
    assert_eq!(v["error_code"], "path_not_found");
    for bad in ["../z", "a/b", ".."] {
        let v = ws_cmd(
            &mut ws,
            json!({"action":"upload_start","dirname":V,"filename":bad}),
        )
        .await;
        assert_eq!(v["success"], false, "{bad}");
    }
}

#[tokio::test]
async fn websocket_handshake_needs_a_session() {
    let f = Fbx::ready().await;
    // #35
    let url = format!("{}/api/v8/ws/upload", f.emu.base_url.replace("http", "ws"));
    let err = tokio_tungstenite::connect_async(url).await.unwrap_err();
    match err {
        tokio_tungstenite::tungstenite::Error::Http(resp) => {
            assert_eq!(resp.status(), StatusCode::FORBIDDEN.as_u16());
            let body: Value = serde_json::from_slice(resp.body().as_deref().unwrap()).unwrap();
            assert_eq!(body["error_code"], "auth_required");
        }
        other => panic!("unexpected {other:?}"),
    }
    // Frames over the limit close the socket.
    let mut ws = ws_connect(&f).await;
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","dirname":V,"filename":"huge"}),
    )
    .await;
    let _ = ws
        .send(Message::Binary(vec![0u8; (1 << 20) + 1].into()))
        .await;
    let next = ws.next().await;
    assert!(
        !matches!(next, Some(Ok(Message::Text(_)))),
        "oversized frame accepted: {next:?}"
    );
    assert!(!f.disk().join("huge").exists());
}

#[tokio::test]
async fn legacy_http_upload_v3() {
    let f = Fbx::ready().await;
    let (_, v) = f
        .post(
            "/api/v3/upload/",
            json!({"dirname": V, "upload_name": "legacy.txt"}),
        )
        .await;
    let id = v["result"]["id"].as_u64().unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"legacy bytes".to_vec()).file_name("legacy.txt"),
    );
    let (_, v) = f
        .send(
            f.http
                .post(f.url(&format!("/api/v3/upload/{id}/send")))
                .multipart(form),
            false,
        )
        .await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(
        std::fs::read(f.disk().join("legacy.txt")).unwrap(),
        b"legacy bytes"
    );
    let (_, v) = f
        .post(
            "/api/v3/upload/",
            json!({"dirname": V, "upload_name": "a.txt"}),
        )
        .await;
    assert_eq!(v["error_code"], "conflict");
}

#[tokio::test]
async fn share_links_and_public_url() {
    let f = Fbx::ready().await;
    // #38
    let (_, v) = f
        .post(
            "/api/v8/share_link/",
            json!({"path": A, "expire": 0, "fullurl": ""}),
        )
        .await;
    let link = v["result"].clone();
    let token = link["token"].as_str().unwrap().to_owned();
    assert_eq!(token.len(), 16);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+_-".contains(&b))
    );
    assert_eq!(
        (
            link["name"].clone(),
            link["expire"].clone(),
            link["path"].clone()
        ),
        (json!("a.txt"), json!(0), json!(A))
    );
    let fullurl = link["fullurl"].as_str().unwrap().to_owned();
    assert_eq!(fullurl, format!("{}/share/{token}/a.txt", f.emu.base_url));
    // #39
    let (_, v) = f.get("/api/v8/share_link/").await;
    assert_eq!(v["result"][0]["token"], token.as_str());
    let (_, v) = f.get(&format!("/api/v8/share_link/{token}")).await;
    assert_eq!(v["result"]["name"], "a.txt");
    // #40: no auth header, the file's bytes.
    let resp = reqwest::get(&fullurl).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"0123456789");
    let (_, v) = f.delete(&format!("/api/v8/share_link/{token}")).await;
    assert_eq!(v, json!({"success": true}));
    let (_, v) = f.get(&format!("/api/v8/share_link/{token}")).await;
    assert_eq!(v["error_code"], "invalid_id");
    assert_eq!(
        reqwest::get(&fullurl).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (_, v) = f.get("/api/v8/share_link/").await;
    assert_eq!(v, json!({"success": true}));
    // An expired link is refused; expire as a string is accepted.
    let past = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 10)
        .to_string();
    let (_, v) = f
        .post(
            "/api/v8/share_link/",
            json!({"path": A, "expire": past, "fullurl": ""}),
        )
        .await;
    let url = v["result"]["fullurl"].as_str().unwrap().to_owned();
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // A folder share lists its files and serves them; `..` does not escape it.
    std::fs::write(f.disk().join("Photos/p é.jpg"), b"jpeg").unwrap();
    let (_, v) = f
        .post(
            "/api/v8/share_link/",
            json!({"path": P, "expire": 0, "fullurl": ""}),
        )
        .await;
    let url = v["result"]["fullurl"].as_str().unwrap().to_owned();
    let html = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(html.contains("p é.jpg"), "{html}");
    let file = reqwest::get(format!("{url}/p%20%C3%A9.jpg")).await.unwrap();
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"jpeg");
    let esc = reqwest::get(format!("{url}/..%2F..%2Fa.txt"))
        .await
        .unwrap();
    assert_eq!(esc.status(), StatusCode::NOT_FOUND);
    let (_, v) = f
        .post("/api/v8/share_link/", json!({"path": X, "expire": 0}))
        .await;
    assert_eq!(v["error_code"], "path_not_found");
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
