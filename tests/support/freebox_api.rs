//! Shared helpers of the Freebox emulator tests: a logged-in client over loopback.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use hmac::{Hmac, Mac};
use nascmd::emulator::RunningEmulator;
use nascmd::emulator::freebox::{FreeboxControl, FreeboxEmulatorConfig, spawn_with_control};
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub const V: &str = "L0Rpc3F1ZSBkdXI=";
pub const P: &str = "L0Rpc3F1ZSBkdXIvUGhvdG9z";
pub const A: &str = "L0Rpc3F1ZSBkdXIvYS50eHQ=";
pub const B: &str = "L0Rpc3F1ZSBkdXIvYi50eHQ=";
pub const X: &str = "L0Rpc3F1ZSBkdXIvbm9wZQ==";

pub fn tok(clear: &str) -> String {
    STANDARD.encode(clear.as_bytes())
}

pub struct Fbx {
    pub emu: RunningEmulator,
    pub control: FreeboxControl,
    pub http: reqwest::Client,
    pub session: String,
    pub app_token: String,
    pub dir: tempfile::TempDir,
}

pub fn fixture_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("Photos")).unwrap();
    std::fs::write(dir.path().join("a.txt"), b"0123456789").unwrap();
    std::fs::write(dir.path().join("b.txt"), b"bbb").unwrap();
    dir
}

pub fn hmac_hex(key: &str, challenge: &str) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(challenge.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Fbx {
    pub async fn start(tweak: impl FnOnce(&mut FreeboxEmulatorConfig)) -> Fbx {
        let dir = fixture_dir();
        let mut cfg = FreeboxEmulatorConfig::new(dir.path());
        tweak(&mut cfg);
        let (emu, control) = spawn_with_control(cfg).await.unwrap();
        let mut f = Fbx {
            emu,
            control,
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
    pub async fn ready() -> Fbx {
        let mut f = Fbx::start(|_| {}).await;
        f.login().await.unwrap();
        f
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url)
    }

    /// Polls the registration once (v8+ boxes want the verdict seen), then logs in.
    pub async fn login(&mut self) -> Result<(), Value> {
        self.get_noauth("/api/v8/login/authorize/1").await;
        self.login_unpolled().await
    }

    /// Challenge + HMAC session login, without polling the registration first.
    pub async fn login_unpolled(&mut self) -> Result<(), Value> {
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

    pub async fn send(&self, req: reqwest::RequestBuilder, auth: bool) -> (StatusCode, Value) {
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

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(self.url(path)), true).await
    }
    pub async fn get_noauth(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.get(self.url(path)), false).await
    }
    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.post(self.url(path)).body(body.to_string()), true)
            .await
    }
    pub async fn post_noauth(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.post(self.url(path)).body(body.to_string()), false)
            .await
    }
    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.send(self.http.put(self.url(path)).body(body.to_string()), true)
            .await
    }
    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.http.delete(self.url(path)), true).await
    }

    /// Polls a task until it is done or failed.
    pub async fn wait_task(&self, id: u64) -> Value {
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

    pub fn disk(&self) -> &std::path::Path {
        self.dir.path()
    }
}

pub fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn ws_connect(f: &Fbx) -> Ws {
    let url = format!("{}/api/v8/ws/upload", f.emu.base_url.replace("http", "ws"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut()
        .insert("X-Fbx-App-Auth", f.session.parse().unwrap());
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

pub async fn ws_cmd(ws: &mut Ws, cmd: Value) -> Value {
    ws.send(Message::Text(cmd.to_string().into()))
        .await
        .unwrap();
    ws_reply(ws).await
}

pub async fn ws_reply(ws: &mut Ws) -> Value {
    loop {
        match ws.next().await.unwrap().unwrap() {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected {other:?}"),
        }
    }
}
