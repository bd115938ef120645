//! The Freebox emulator's transfers against `shared/protocols/freebox.md` §13: download
//! with Range, WebSocket and legacy upload, upload tracking, share links and their public
//! URL, injected faults. Real HTTP/WebSocket on loopback over a real temporary folder.

use crate::support;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use nascmd::emulator::faults::FaultConfig;
use reqwest::StatusCode;
use serde_json::{Value, json};
use support::freebox_api::*;
use tokio_tungstenite::tungstenite::Message;

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

    // A socket closed mid-upload leaves no bytes under the final name, but the box shows
    // what it holds there (as a real box, which writes the partial under that name);
    // resume picks it up.
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
    let listed: Vec<&Value> = v["result"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"].as_str().unwrap().contains("part"))
        .collect();
    assert_eq!(listed.len(), 1, "{v}");
    assert_eq!(
        (&listed[0]["name"], &listed[0]["size"], &listed[0]["hidden"]),
        (&json!("part.bin"), &json!(5), &json!(false))
    );
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
    // A 250-byte name (the temporary name must still fit in 255 bytes).
    let long = "é".repeat(125);
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","dirname":V,"filename":long,"force":"overwrite"}),
    )
    .await;
    ws.send(Message::Binary(b"long".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(ws_reply(&mut ws).await["result"]["total_len"], 4);
    let v = ws_cmd(&mut ws, json!({"action":"upload_finalize"})).await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(std::fs::read(f.disk().join(&long)).unwrap(), b"long");
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
async fn faults_drop_transfers_which_then_resume() {
    let mut f = Fbx::start(|c| {
        c.faults = FaultConfig {
            drop_after_bytes: Some(1000),
            session_lifetime: Some(Duration::from_secs(600)),
            ..FaultConfig::default()
        }
    })
    .await;
    f.login().await.unwrap();
    let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(f.disk().join("big.bin"), &data).unwrap();
    let t = tok("/Disque dur/big.bin");
    // The first download is cut; a Range request picks up where it stopped.
    let mut got = Vec::new();
    let mut resp = f
        .http
        .get(f.url(&format!("/api/v8/dl/{t}")))
        .header("X-Fbx-App-Auth", &f.session)
        .send()
        .await
        .unwrap();
    let mut cut = false;
    loop {
        match resp.chunk().await {
            Ok(Some(c)) => got.extend_from_slice(&c),
            Ok(None) => break,
            Err(_) => {
                cut = true;
                break;
            }
        }
    }
    assert!(cut && got.len() < data.len(), "download was not dropped");
    let rest = f
        .http
        .get(f.url(&format!("/api/v8/dl/{t}")))
        .header("X-Fbx-App-Auth", &f.session)
        .header("Range", format!("bytes={}-", got.len()))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), StatusCode::PARTIAL_CONTENT);
    got.extend_from_slice(&rest.bytes().await.unwrap());
    assert_eq!(got, data);

    // The first upload socket is dropped mid-frame; nothing under the final name; resume.
    let mut ws = ws_connect(&f).await;
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":1,"dirname":V,"filename":"up.bin"}),
    )
    .await;
    ws.send(Message::Binary(data.clone().into())).await.unwrap();
    let next = ws.next().await;
    assert!(!matches!(next, Some(Ok(Message::Text(_)))), "{next:?}");
    drop(ws);
    assert!(!f.disk().join("up.bin").exists());
    let mut ws = ws_connect(&f).await;
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":2,"dirname":V,"filename":"up.bin"}),
    )
    .await;
    let have = v["file_size"].as_u64().unwrap() as usize;
    assert!(have > 0 && have < data.len(), "partial {have}");
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":3,"dirname":V,"filename":"up.bin","force":"resume"}),
    )
    .await;
    ws.send(Message::Binary(data[have..].to_vec().into()))
        .await
        .unwrap();
    assert_eq!(ws_reply(&mut ws).await["result"]["total_len"], data.len());
    ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":4})).await;
    assert_eq!(std::fs::read(f.disk().join("up.bin")).unwrap(), data);
}

#[tokio::test]
async fn faults_http500_and_latency() {
    let f = Fbx::start(|c| {
        c.faults = FaultConfig {
            http500_every: Some(3),
            latency: Some(Duration::from_millis(5)),
            ..FaultConfig::default()
        }
    })
    .await;
    // Request 1 was the registration in start(); 2 passes, 3 fails.
    let (s, _) = f.get_noauth("/api_version").await;
    assert_eq!(s, StatusCode::OK);
    let resp = f.http.get(f.url("/api_version")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

/// A FIFO on the disk never holds a download: it is refused at once.
#[tokio::test]
async fn a_fifo_on_the_disk_is_not_served() {
    let f = Fbx::ready().await;
    support::fifo::mkfifo(f.dir.path().join("pipe"));
    let resp = tokio::time::timeout(
        Duration::from_secs(10),
        f.http
            .get(f.url(&format!("/api/v8/dl/{}", tok("/Disque dur/pipe"))))
            .header("X-Fbx-App-Auth", &f.session)
            .send(),
    )
    .await
    .expect("the download waited on the FIFO")
    .unwrap();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["success"], false, "{v}");
    assert_eq!(v["error_code"], "invalid_request", "{v}");
}

/// A partial upload the box holds: `.fbxemu-upload.<name>.<16 hex>.part` on the disk.
fn partial_files(dir: &std::path::Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".fbxemu-upload."))
        .collect();
    out.sort();
    out
}

/// Sends 5 of the 9 bytes of an upload of `name` into the folder `dir` (a path token),
/// `12345`, and cuts the link: the box holds them as a partial upload under `name`.
async fn hold_partial(f: &Fbx, dir: &str, name: &str) {
    let mut ws = ws_connect(f).await;
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":1,"dirname":dir,"filename":name,"size":9}),
    )
    .await;
    ws.send(Message::Binary(b"12345".to_vec().into()))
        .await
        .unwrap();
    ws_reply(&mut ws).await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// The `FileInfo` named `name` in an `fs/ls` answer (v8: a bare array).
fn entry<'a>(list: &'a Value, name: &str) -> Option<&'a Value> {
    list.as_array().unwrap().iter().find(|e| e["name"] == name)
}

#[tokio::test]
async fn a_held_partial_upload_is_listed_and_removed_under_its_name() {
    let f = Fbx::ready().await;
    let name = ".nascmd-part-00ff00ff-x.bin";
    hold_partial(&f, V, name).await;
    assert_eq!(partial_files(f.disk()).len(), 1);

    // Listed under its name, hidden as a dot name, with the held size; never the
    // emulator's own temporary name.
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    let e = entry(&v["result"], name).unwrap_or_else(|| panic!("not listed: {v}"));
    assert_eq!(
        (&e["type"], &e["size"], &e["hidden"]),
        (&json!("file"), &json!(5), &json!(true))
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!(
        (e["modification"].as_i64().unwrap() - now).abs() < 60,
        "{e}"
    );
    assert!(!names(&v["result"]).iter().any(|n| n.contains("fbxemu")));
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}?removeHidden=1")).await;
    assert!(entry(&v["result"], name).is_none());
    // fs/info answers for it.
    let t = tok(&format!("/Disque dur/{name}"));
    let (_, v) = f.get(&format!("/api/v8/fs/info/{t}")).await;
    assert_eq!(
        (&v["result"]["name"], &v["result"]["size"]),
        (&json!(name), &json!(5))
    );
    // fs/rm of the name removes what the box held: nothing left, nothing to resume.
    let (_, v) = f.post("/api/v8/fs/rm/", json!({"files": [t]})).await;
    let done = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(partial_files(f.disk()), Vec::<String>::new());
    let (_, v) = f.get(&format!("/api/v8/fs/info/{t}")).await;
    assert_eq!(v["error_code"], "path_not_found");
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    assert!(entry(&v["result"], name).is_none());
    let mut ws = ws_connect(&f).await;
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":2,"dirname":V,"filename":name}),
    )
    .await;
    assert_eq!(v["success"], true, "still held: {v}");
    ws_cmd(&mut ws, json!({"action":"upload_cancel","request_id":3})).await;

    // fs/rename of the name renames what the box holds (the bytes arrived, the answer
    // was lost: a client puts the file in place).
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":5,"dirname":V,"filename":name}),
    )
    .await;
    ws.send(Message::Binary(b"whole".to_vec().into()))
        .await
        .unwrap();
    ws_reply(&mut ws).await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, v) = f
        .post("/api/v8/fs/rename/", json!({"src": t, "dst": "whole.bin"}))
        .await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(std::fs::read(f.disk().join("whole.bin")).unwrap(), b"whole");
    assert_eq!(partial_files(f.disk()), Vec::<String>::new());
    let (_, v) = f.get(&format!("/api/v8/fs/info/{t}")).await;
    assert_eq!(v["error_code"], "path_not_found");

    // A real file of that name hides nothing: `a.txt` is listed once, as itself, while
    // a partial upload to it is held.
    let mut ws = ws_connect(&f).await;
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":4,"dirname":V,"filename":"a.txt","force":"overwrite"}),
    )
    .await;
    ws.send(Message::Binary(b"xy".to_vec().into()))
        .await
        .unwrap();
    ws_reply(&mut ws).await;
    drop(ws);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    assert_eq!(
        names(&v["result"]).iter().filter(|n| *n == "a.txt").count(),
        1
    );
    assert_eq!(entry(&v["result"], "a.txt").unwrap()["size"], 10);
}

/// A held partial is shared like any file on the box's disk (docs/EMULATOR.md
/// "Partial uploads"): the link serves its bytes so far, a shared folder lists it, and
/// once the partial is removed the link is gone.
#[tokio::test]
async fn a_held_partial_upload_is_shared_as_a_file() {
    let f = Fbx::ready().await;
    hold_partial(&f, P, "held.bin").await;
    let t = tok("/Disque dur/Photos/held.bin");
    let (_, v) = f
        .post("/api/v8/share_link/", json!({"path": t, "expire": 0}))
        .await;
    assert_eq!(v["success"], true, "{v}");
    assert_eq!(v["result"]["name"], "held.bin", "{v}");
    let url = v["result"]["fullurl"].as_str().unwrap().to_owned();
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"12345");

    let (_, v) = f
        .post("/api/v8/share_link/", json!({"path": P, "expire": 0}))
        .await;
    let folder = v["result"]["fullurl"].as_str().unwrap().to_owned();
    let html = reqwest::get(&folder).await.unwrap().text().await.unwrap();
    assert!(html.contains(">held.bin<"), "{html}");
    assert!(!html.contains("fbxemu"), "{html}");
    let file = reqwest::get(format!("{folder}/held.bin")).await.unwrap();
    assert_eq!(file.bytes().await.unwrap().as_ref(), b"12345");

    // fs/rm of the name: nothing is held, the link answers as for a missing file.
    let (_, v) = f.post("/api/v8/fs/rm/", json!({"files": [t]})).await;
    let done = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn partial_uploads_left_by_an_earlier_run_are_taken_back() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret"), b"0123456789012345").unwrap();
    let f = Fbx::start(|cfg| {
        let root = cfg.root.clone();
        // What an earlier run kept of an upload of `left.bin` (two of them: the newer
        // one counts), and a planted link of the pattern pointing out of the root.
        let old = root.join(".fbxemu-upload.left.bin.0123456789abcdef.part");
        std::fs::write(&old, b"abc").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        std::fs::write(
            root.join(".fbxemu-upload.left.bin.fedcba9876543210.part"),
            b"abcdefg",
        )
        .unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret"),
            root.join(".fbxemu-upload.planted.0000000000000000.part"),
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(20));
    })
    .await;
    let mut f = f;
    f.login().await.unwrap();
    let (_, v) = f.get(&format!("/api/v8/fs/ls/{V}")).await;
    assert_eq!(entry(&v["result"], "left.bin").unwrap()["size"], 7, "{v}");
    assert!(entry(&v["result"], "planted").is_none(), "{v}");
    let t = tok("/Disque dur/planted");
    let (_, v) = f.get(&format!("/api/v8/fs/info/{t}")).await;
    assert_eq!(v["error_code"], "path_not_found");
    // The box holds 7 bytes for `left.bin`: the conflict says so, resume goes on.
    let mut ws = ws_connect(&f).await;
    let v = ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":1,"dirname":V,"filename":"left.bin"}),
    )
    .await;
    assert_eq!(v["file_size"], 7, "{v}");
    ws_cmd(
        &mut ws,
        json!({"action":"upload_start","request_id":2,"dirname":V,"filename":"left.bin","force":"resume"}),
    )
    .await;
    ws.send(Message::Binary(b"hij".to_vec().into()))
        .await
        .unwrap();
    assert_eq!(ws_reply(&mut ws).await["result"]["total_len"], 10);
    ws_cmd(&mut ws, json!({"action":"upload_finalize","request_id":3})).await;
    assert_eq!(
        std::fs::read(f.disk().join("left.bin")).unwrap(),
        b"abcdefghij"
    );
    // The older partial went (a box holds one file under a name); the link is left
    // alone, and was never followed.
    assert_eq!(
        partial_files(f.disk()),
        vec![".fbxemu-upload.planted.0000000000000000.part".to_owned()]
    );
    assert_eq!(
        std::fs::read(outside.path().join("secret")).unwrap(),
        b"0123456789012345"
    );
}

/// A held partial is a file on the box's disk under its name: `dl` serves its bytes,
/// `fs/hash` hashes them, `fs/cp` copies and `fs/mv` moves it, as `fs/info`, `fs/rm`
/// and `fs/rename` already reach it (docs/EMULATOR.md "Partial uploads").
#[tokio::test]
async fn a_held_partial_upload_is_read_copied_and_moved_as_a_file() {
    let f = Fbx::ready().await;
    let name = ".nascmd-part-0aa0-y.bin";
    hold_partial(&f, V, name).await;
    let t = tok(&format!("/Disque dur/{name}"));

    let resp = f
        .http
        .get(f.url(&format!("/api/v8/dl/{t}")))
        .header("X-Fbx-App-Auth", &f.session)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"12345");

    let (_, v) = f
        .post("/api/v8/fs/hash/", json!({"src": t, "hash_type": "md5"}))
        .await;
    let id = v["result"]["id"].as_u64().unwrap_or_else(|| panic!("{v}"));
    assert_eq!(f.wait_task(id).await["state"], "done");
    let (_, v) = f.get(&format!("/api/v8/fs/tasks/{id}/hash")).await;
    assert_eq!(v["result"]["hash"], "827ccb0eea8a706c4c34a16891f84e7b");

    std::fs::create_dir(f.disk().join("Copies")).unwrap();
    let copies = tok("/Disque dur/Copies");
    let (_, v) = f
        .post(
            "/api/v8/fs/cp/",
            json!({"files": [t], "dst": copies, "mode": "overwrite"}),
        )
        .await;
    let done = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        std::fs::read(f.disk().join("Copies").join(name)).unwrap(),
        b"12345"
    );
    assert_eq!(
        partial_files(f.disk()).len(),
        1,
        "the copy took the partial"
    );

    std::fs::create_dir(f.disk().join("Moved")).unwrap();
    let moved = tok("/Disque dur/Moved");
    let (_, v) = f
        .post(
            "/api/v8/fs/mv/",
            json!({"files": [t], "dst": moved, "mode": "overwrite"}),
        )
        .await;
    let done = f.wait_task(v["result"]["id"].as_u64().unwrap()).await;
    assert_eq!(done["state"], "done", "{done}");
    assert_eq!(
        std::fs::read(f.disk().join("Moved").join(name)).unwrap(),
        b"12345"
    );
    assert_eq!(partial_files(f.disk()), Vec::<String>::new());
    let (_, v) = f.get(&format!("/api/v8/fs/info/{t}")).await;
    assert_eq!(v["error_code"], "path_not_found", "still held: {v}");
}
