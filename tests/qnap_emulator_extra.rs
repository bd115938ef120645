//! The QNAP emulator beyond Part C: share links, permissions, path escapes, fault
//! injection, the CLI, and reply shapes compared with real-device captures.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use nascmd::emulator::faults::FaultConfig;
use reqwest::StatusCode;
use serde_json::Value;
use support::qnap::*;

// ---------------------------------------------------------------- shares, permissions

async fn make_link(fx: &Fx, extra: &str) -> Value {
    fx.util(&format!(
        "func=get_share_link&download_type=create_download_link&ssl=false&network_type=internet\
         &path=/Public&file_name=a.txt&file_total=1&c=1{extra}"
    ))
    .await
}

#[tokio::test]
async fn share_link_lifecycle() {
    let fx = fixture().await;
    let v = make_link(
        &fx,
        "&valid_duration=forever&access_enabled=true&access_code=s3cret",
    )
    .await;
    assert_eq!(status(&v), 1);
    let url = v["links"][0]["link_url"].as_str().unwrap().to_string();
    let ssid = v["ssid"].as_str().unwrap().to_string();
    assert!(url.ends_with(&format!("/share.cgi?ssid={ssid}")));
    // The link works without login, but only with the access code.
    let no_code = fx.http.get(&url).send().await.unwrap();
    assert_eq!(no_code.status(), StatusCode::FORBIDDEN);
    let wrong = fx
        .http
        .get(format!("{url}&access_code=nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let ok = fx
        .http
        .get(format!("{url}&access_code=s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.bytes().await.unwrap().as_ref(), b"0123456789");
    // Listed with its count, then updated (no code), then deleted.
    let list = fx
        .util("func=get_share_list&start=0&limit=10&sort=filename&dir=ASC")
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["datas"][0]["ssid"], ssid.as_str());
    assert_eq!(
        list["datas"][0]["filename"],
        "/share/CACHEDEV1_DATA/Public/a.txt"
    );
    assert_eq!(list["datas"][0]["download_count"], 1);
    let up = fx
        .util(&format!("func=update_share_link&ssids={ssid}&file_total=1&valid_duration=forever&access_enabled=false"))
        .await;
    assert_eq!(status(&up), 1);
    assert_eq!(
        fx.http.get(&url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let del = fx
        .util(&format!(
            "func=delete_share&download_link={}&filename=a.txt&file_total=1",
            urlencode(&url)
        ))
        .await;
    assert_eq!(status(&del), 1);
    assert_eq!(
        fx.http.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn share_link_expiry_and_delete_all() {
    let fx = fixture().await;
    let past = make_link(
        &fx,
        "&valid_duration=specific_time&datetime=2001/01/01%2000:00",
    )
    .await;
    let url = past["links"][0]["link_url"].as_str().unwrap().to_string();
    assert_eq!(
        fx.http.get(&url).send().await.unwrap().status(),
        StatusCode::GONE
    );
    let later = make_link(&fx, "&valid_duration=period_of_time&day=1&hour=0").await;
    assert!(later["expire_time"].as_i64().unwrap() > 0);
    let folder = fx
        .util("func=get_share_link&path=/Public&file_name=docs&file_total=1&valid_duration=forever")
        .await;
    let zip_url = folder["links"][0]["link_url"].as_str().unwrap().to_string();
    let files = unzip(
        &fx.http
            .get(&zip_url)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap(),
    );
    assert!(files.contains_key("docs/readme.md"));
    assert_eq!(
        status(
            &fx.util("func=share_file&path=/Public&file_name=b.txt&file_total=1&addressee=x@y.z")
                .await
        ),
        1
    );
    assert_eq!(status(&fx.util("func=delete_share_all").await), 1);
    assert_eq!(fx.util("func=get_share_list").await["total"], 0);
    assert_eq!(
        fx.http.get(&zip_url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn readonly_user_sees_r_and_gets_4_on_writes() {
    let fx = fixture().await;
    let bob = fx.login("bob").await;
    let tree = fx.util_as(&bob, "func=get_tree&node=share_root").await;
    assert!(tree.as_array().unwrap().iter().all(|s| s["cls"] == "r"));
    assert_eq!(
        fx.util_as(&bob, "func=get_list&path=/Public").await["total"],
        3
    );
    for q in [
        "func=createdir&dest_path=/Public&dest_folder=x",
        "func=rename&path=/Public&source_name=a.txt&dest_name=z.txt",
        "func=delete&path=/Public&file_name=a.txt&file_total=1",
        "func=copy&source_path=/Public&source_file=a.txt&source_total=1&dest_path=/Backups",
        "func=move&source_path=/Public&source_file=a.txt&source_total=1&dest_path=/Backups",
        "func=stat&path=/Public&file_name=a.txt&file_total=1&settime=1&mtime=1",
    ] {
        assert_eq!(status(&fx.util_as(&bob, q).await), 4, "{q}");
    }
    let (ct, body) = multipart("file", "up.bin", b"x");
    let r = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=upload&type=standard&sid={bob}&dest_path=/Public&overwrite=1"
        )))
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(status(&r.json::<Value>().await.unwrap()), 4);
    assert!(fx.path("Public/a.txt").exists() && !fx.path("Public/up.bin").exists());
    assert!(!fx.path("Public/x").exists() && !fx.path("Backups/a.txt").exists());
}

// ---------------------------------------------------------------- path escapes

#[tokio::test]
async fn hostile_paths_never_escape() {
    let fx = fixture().await;
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"top secret").unwrap();
    std::os::unix::fs::symlink(outside.path(), fx.path("Public/out")).unwrap();
    for q in [
        "func=get_list&path=/Public/../..",
        "func=get_list&path=/Public/%2e%2e/%2e%2e",
        "func=get_list&path=/Public/out",
        "func=download&source_path=/Public/out&source_file=secret&source_total=1",
        "func=download&source_path=/Public&source_file=../../etc/passwd&source_total=1",
        "func=createdir&dest_path=/Public&dest_folder=..",
        "func=createdir&dest_path=/Public&dest_folder=a%00b",
        "func=rename&path=/Public&source_name=a.txt&dest_name=../x.txt",
        "func=copy&source_path=/Public&source_file=a.txt&source_total=1&dest_path=/Public/out",
        "func=delete&path=/Public&file_name=..&file_total=1",
        "func=stat&path=/Public&file_name=out&file_total=1",
    ] {
        let r = fx.util_raw(&fx.sid, q).await;
        let text = r.text().await.unwrap();
        assert!(!text.contains("top secret"), "{q}");
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{q}: {text}"));
        if q.starts_with("func=stat") {
            assert_eq!(status(&v), 12, "{q}");
        } else {
            assert!(matches!(status(&v), 12 | 25), "{q}: {v}");
        }
    }
    // Listing shows the link itself, never the outside target's size.
    let listed = fx.util("func=get_list&path=/Public").await;
    let out = listed["datas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["filename"] == "out")
        .unwrap();
    assert_eq!(out["isfolder"], 0);
    assert_eq!(out["is_link"], 1);
    // An absolute path is taken inside the root, never as the host's /etc.
    assert_eq!(status(&fx.util("func=get_list&path=/etc").await), 5);
    let r = fx
        .upload(
            "dest_path=/Public/out&overwrite=1",
            "file",
            "evil.txt",
            b"x",
        )
        .await;
    assert_eq!(status(&r.json::<Value>().await.unwrap()), 12);
    let r = fx
        .upload("dest_path=/Public&overwrite=1", "file", "../evil.txt", b"x")
        .await;
    assert_eq!(status(&r.json::<Value>().await.unwrap()), 12);
    assert!(!outside.path().join("evil.txt").exists());
    assert!(!fx.root.parent().unwrap().join("evil.txt").exists());
    assert!(outside.path().join("secret").exists());
}

// ---------------------------------------------------------------- faults

#[tokio::test]
async fn fault_http500_and_truncation_every_nth() {
    let fx = fixture_with(|c| {
        c.faults.http500_every = Some(3);
        c.faults.truncate_every = Some(4);
    })
    .await;
    // Request 1 was the login. 2: fine, 3: 500, 4: truncated.
    assert_eq!(
        fx.util_raw(&fx.sid, "func=get_list&path=/Public")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        fx.util_raw(&fx.sid, "func=get_list&path=/Public")
            .await
            .status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    let cut = fx
        .util_raw(&fx.sid, "func=get_list&path=/Public")
        .await
        .text()
        .await
        .unwrap();
    assert!(serde_json::from_str::<Value>(&cut).is_err(), "{cut}");
    assert!(cut.starts_with("{ \"total\""));
}

#[tokio::test]
async fn fault_latency_and_drop_once() {
    let fx = fixture_with(|c| {
        c.faults = FaultConfig {
            latency: Some(Duration::from_millis(150)),
            drop_after_bytes: Some(100_000),
            ..FaultConfig::default()
        };
    })
    .await;
    let t = Instant::now();
    fx.util("func=get_list&path=/Public").await;
    assert!(t.elapsed() >= Duration::from_millis(150));
    let q =
        "func=download&source_path=/Public/docs/sub&source_file=deep.bin&isfolder=0&source_total=1";
    let url = fx.url(&format!(
        "/cgi-bin/filemanager/utilRequest.cgi?{q}&sid={}",
        fx.sid
    ));
    let mut first = fx.http.get(&url).send().await.unwrap();
    let mut got = 0;
    let cut = loop {
        match first.chunk().await {
            Ok(Some(c)) => got += c.len(),
            Ok(None) => break false,
            Err(_) => break true,
        }
    };
    assert!(cut, "the first transfer must be cut");
    assert!(got <= 100_000, "{got} bytes passed the drop point");
    let second = fx.util_raw(&fx.sid, q).await.bytes().await.unwrap();
    assert_eq!(second.len(), 300_000);
}

#[tokio::test]
async fn fault_drop_upload_leaves_no_file() {
    let fx = fixture_with(|c| {
        c.faults.drop_after_bytes = Some(50_000);
        c.faults.drop_every_time = true;
    })
    .await;
    let r = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=upload&type=standard&sid={}&dest_path=/Public&overwrite=1",
            fx.sid
        )))
        .header("Content-Type", multipart("file", "big.bin", b"").0)
        .body(multipart("file", "big.bin", &vec![1u8; 200_000]).1)
        .send()
        .await;
    if let Ok(r) = r {
        if let Ok(v) = r.json::<Value>().await {
            assert_ne!(status(&v), 1);
        }
    }
    assert!(!fx.path("Public/big.bin").exists());
    let hidden: Vec<_> = std::fs::read_dir(fx.path("Public"))
        .unwrap()
        .flatten()
        .collect();
    assert!(
        hidden
            .iter()
            .all(|e| !e.file_name().to_string_lossy().starts_with(".nascmd"))
    );
}

#[tokio::test]
async fn fault_session_lifetime_expires_sid() {
    let fx = fixture_with(|c| c.faults.session_lifetime = Some(Duration::from_millis(1500))).await;
    assert_eq!(fx.util("func=get_list&path=/Public").await["total"], 3);
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let r = fx.util_raw(&fx.sid, "func=get_list&path=/Public").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        status(&serde_json::from_str(&r.text().await.unwrap()).unwrap()),
        3
    );
}

/// The CLI: one `listening on` line, password from the environment, fault flags applied.
#[tokio::test]
async fn cli_prints_address_and_applies_fault_flags() {
    use tokio::io::AsyncBufReadExt;
    let dir = make_tree();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_nascmd"))
        .args(["emulate", "qnap", "--root"])
        .arg(dir.path())
        .args([
            "--listen",
            "127.0.0.1:0",
            "--user",
            "alice",
            "--fault-http500-every",
            "2",
        ])
        .env("NASCMD_EMULATOR_PASSWORD", "pw")
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let line = lines.next_line().await.unwrap().unwrap();
    let base = line.strip_prefix("listening on ").unwrap().to_string();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "{line}"
    );
    let http = reqwest::Client::new();
    let login = format!("{base}/cgi-bin/authLogin.cgi?user=alice&pwd={PW_EZ}");
    let first = http.get(&login).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        cdata(&first.text().await.unwrap(), "authPassed").as_deref(),
        Some("1")
    );
    assert_eq!(
        http.get(&login).send().await.unwrap().status(),
        StatusCode::INTERNAL_SERVER_ERROR
    );
    child.kill().await.unwrap();
}

// ---------------------------------------------------------------- shape vs real captures

fn fixture_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/qnap")
            .join(name),
    )
    .unwrap()
}

/// Key → JSON type name, for comparing shapes.
fn shape(v: &Value) -> BTreeMap<String, &'static str> {
    v.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let t = match v {
                Value::String(_) => "string",
                Value::Number(_) => "number",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
                Value::Bool(_) => "bool",
                Value::Null => "null",
            };
            (k.clone(), t)
        })
        .collect()
}

#[tokio::test]
async fn replies_have_the_shape_of_real_captures() {
    let fx = fixture().await;
    let real_tree: Value = serde_json::from_str(&fixture_file("shares.json")).unwrap();
    let ours_raw = fx
        .util_raw(&fx.sid, "func=get_tree&is_iso=0&node=share_root")
        .await
        .text()
        .await
        .unwrap();
    let ours: Value = serde_json::from_str(&ours_raw).unwrap();
    assert_eq!(shape(&ours[0]), shape(&real_tree[0]));
    // Same json-c spacing and `\/` escaping as the capture.
    assert!(ours_raw.starts_with("[ { \"id\": \"\\/"));
    assert!(fixture_file("shares.json").starts_with("[ { \"id\": \"\\/"));

    let real_list: Value = serde_json::from_str(&fixture_file("files-share.json")).unwrap();
    let list = fx
        .util("func=get_list&path=/Public&list_mode=all&start=0&limit=100")
        .await;
    assert_eq!(shape(&list), shape(&real_list));
    assert_eq!(shape(&list["datas"][0]), shape(&real_list["datas"][0]));

    let real_env = fixture_file("envelope-status5.json");
    let env = fx
        .util_raw(&fx.sid, "func=get_list&path=/")
        .await
        .text()
        .await
        .unwrap();
    let real_env_v: Value = serde_json::from_str(&real_env).unwrap();
    let env_v: Value = serde_json::from_str(&env).unwrap();
    assert_eq!(shape(&env_v), shape(&real_env_v));
    // Same key order and spacing: only the build date differs.
    let strip = |s: &str| s.split("\"build\"").next().unwrap().to_string();
    assert_eq!(strip(&env), strip(&real_env));
    assert!(env.ends_with(" }\n"));
}

#[tokio::test]
async fn wfm2_login_json() {
    let fx = fixture().await;
    let ok: Value = fx
        .http
        .get(fx.url(&format!(
            "/cgi-bin/filemanager/wfm2Login.cgi?user=alice&pwd={PW_EZ}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["status"], 1);
    let sid = ok["sid"].as_str().unwrap().to_string();
    assert_eq!(
        fx.util_as(&sid, "func=get_list&path=/Public").await["total"],
        3
    );
    let bad: Value = fx
        .http
        .get(fx.url("/cgi-bin/filemanager/wfm2Login.cgi?user=alice&pwd=eA%3D%3D"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bad["status"], 0);
    assert_eq!(bad["sid"], "");
}

#[tokio::test]
async fn misc_funcs() {
    let fx = fixture().await;
    let v = fx
        .util("func=get_file_size&path=/Public&name=docs&name=a.txt&total=2")
        .await;
    assert_eq!(status(&v), 1);
    assert_eq!(v["size"], (7 + 300_000 + 10).to_string());
    let d = fx.util("func=get_domain_ip_list").await;
    assert_eq!(d["local_ip"], "127.0.0.1");
    let tree = fx.util("func=get_tree&node=/Public").await;
    assert_eq!(tree[0]["id"], "/Public/docs");
    assert_eq!(status(&fx.util("func=get_tree").await), 4);
}

/// Bodies far above any framework default limit stream through to disk intact.
#[tokio::test]
async fn large_upload_streams_to_disk() {
    let fx = fixture().await;
    let data: Vec<u8> = (0..12 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
    let r = fx
        .upload("dest_path=/Public&overwrite=1", "file", "big.bin", &data)
        .await;
    assert_eq!(status(&r.json::<Value>().await.unwrap()), 1);
    assert!(std::fs::read(fx.path("Public/big.bin")).unwrap() == data);
}

/// `get_viewer` in the path-info form the vendor document shows: inline, real MIME, ranges.
#[tokio::test]
async fn get_viewer_inline_with_mime_and_range() {
    let fx = fixture().await;
    std::fs::write(fx.path("Public/pic.jpg"), b"\xff\xd8fakejpeg").unwrap();
    let r = fx
        .http
        .get(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi/pic.jpg?sid={}&func=get_viewer&source_path=/Public&source_file=pic.jpg",
            fx.sid
        )))
        .header("Range", "bytes=2-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(
        r.headers()["content-disposition"],
        "inline; filename=\"pic.jpg\""
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"fakejpeg");
    let missing = fx
        .util("func=get_viewer&source_path=/Public&source_file=nope.jpg")
        .await;
    assert_eq!(status(&missing), 5);
}
