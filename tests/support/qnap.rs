//! Shared fixture of the QNAP emulator tests: the Part C folder tree, a logged-in
//! client, multipart bodies and small JSON/XML helpers.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

use nascmd::emulator::RunningEmulator;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig, QnapUser};
use reqwest::StatusCode;
use serde_json::Value;

pub const PW_EZ: &str = "cHc%3D"; // ezEncode("pw")
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";

pub struct Fx {
    pub _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
    pub sid: String,
}

/// Part C fixture: alice/pw, shares Public (docs/, a.txt = 10 bytes, b.txt) and Backups.
pub fn make_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::create_dir_all(p.join("Public/docs/sub")).unwrap();
    std::fs::create_dir_all(p.join("Backups")).unwrap();
    std::fs::write(p.join("Public/a.txt"), b"0123456789").unwrap();
    std::fs::write(p.join("Public/b.txt"), b"bee").unwrap();
    std::fs::write(p.join("Public/docs/readme.md"), b"# docs\n").unwrap();
    std::fs::write(p.join("Public/docs/sub/deep.bin"), vec![7u8; 300_000]).unwrap();
    dir
}

pub async fn fixture_with(tweak: impl FnOnce(&mut QnapEmulatorConfig)) -> Fx {
    let dir = make_tree();
    let mut cfg = QnapEmulatorConfig::new(dir.path(), "alice", "pw");
    let mut ro = QnapUser::new("bob", "pw");
    ro.readonly = true;
    let mut tf = QnapUser::new("carol", "pw");
    tf.totp_secret = Some(TOTP_SECRET.into());
    cfg.users.push(ro);
    cfg.users.push(tf);
    tweak(&mut cfg);
    let emu = qnap::spawn(cfg).await.unwrap();
    let http = reqwest::Client::new();
    let mut fx = Fx {
        root: dir.path().to_path_buf(),
        _dir: dir,
        emu,
        http,
        sid: String::new(),
    };
    fx.sid = fx.login("alice").await;
    fx
}

pub async fn fixture() -> Fx {
    fixture_with(|_| {}).await
}

pub fn cdata(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}><![CDATA[");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find("]]>")? + start;
    Some(body[start..end].to_string())
}

impl Fx {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.base_url, path)
    }

    pub async fn login(&self, user: &str) -> String {
        let body = self
            .http
            .get(self.url(&format!(
                "/cgi-bin/authLogin.cgi?user={user}&pwd={PW_EZ}&serviceKey=1"
            )))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        cdata(&body, "authSid").expect("login failed")
    }

    /// GET utilRequest.cgi with `query` and this fixture's sid.
    pub async fn util_raw(&self, sid: &str, query: &str) -> reqwest::Response {
        self.http
            .get(self.url(&format!(
                "/cgi-bin/filemanager/utilRequest.cgi?{query}&sid={sid}"
            )))
            .send()
            .await
            .unwrap()
    }

    pub async fn util(&self, query: &str) -> Value {
        self.util_as(&self.sid, query).await
    }

    pub async fn util_as(&self, sid: &str, query: &str) -> Value {
        let r = self.util_raw(sid, query).await;
        assert_eq!(r.status(), StatusCode::OK);
        let text = r.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub async fn upload(
        &self,
        query: &str,
        part: &str,
        name: &str,
        data: &[u8],
    ) -> reqwest::Response {
        let (ct, body) = multipart(part, name, data);
        self.http
            .post(self.url(&format!(
                "/cgi-bin/filemanager/utilRequest.cgi?func=upload&type=standard&sid={}&{query}",
                self.sid
            )))
            .header("Content-Type", ct)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Polls a copy/move status until percent 100.
    pub async fn wait_job(&self, func: &str, pid: i64) -> Value {
        for _ in 0..200 {
            let v = self.util(&format!("func={func}&pid={pid}")).await;
            if v["percent"] == 100 {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("job {pid} never finished");
    }
}

pub fn multipart(part: &str, filename: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----nascmdTestBoundary7MA4YWxk";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"{part}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

pub fn status(v: &Value) -> i64 {
    v["status"]
        .as_i64()
        .unwrap_or_else(|| panic!("no status in {v}"))
}

pub fn names(v: &Value) -> Vec<String> {
    v["datas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["filename"].as_str().unwrap().to_string())
        .collect()
}

pub const DL_A: &str =
    "func=download&source_path=/Public&source_file=a.txt&isfolder=0&source_total=1";

pub fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.insert(f.name().unwrap().to_string(), data);
    }
    out
}

pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
