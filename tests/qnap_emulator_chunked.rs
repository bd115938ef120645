//! The emulator's chunked upload funcs (qnap.md A.5) spoken to as a third-party client
//! would: raw HTTP, no nascmd client code.

use crate::support;

use nascmd::emulator::faults::FaultConfig;
use reqwest::StatusCode;
use serde_json::Value;
use support::qnap::*;

const CACHE: &str = "Public/.@upload_cache";

async fn start(fx: &Fx) -> String {
    let v = fx
        .util("func=start_chunked_upload&upload_root_dir=/Public")
        .await;
    assert_eq!(status(&v), 0, "{v}");
    let id = v["upload_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 7);
    id
}

/// POSTs one chunk; `extra` adds query parameters.
async fn chunk(fx: &Fx, id: &str, offset: u64, filesize: u64, data: &[u8], extra: &str) -> Value {
    let (ct, body) = multipart("file", "blob", data);
    let r = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=chunked_upload&sid={}&upload_id={id}\
             &upload_root_dir=/Public&offset={offset}&filesize={filesize}&multipart=1\
             &dest_path=/Public/docs&upload_name=up.bin{extra}",
            fx.sid
        )))
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

async fn held(fx: &Fx, id: &str) -> Value {
    fx.util(&format!(
        "func=get_chunked_upload_status&upload_id={id}&upload_root_dir=/Public"
    ))
    .await
}

#[tokio::test]
async fn chunks_assemble_into_place_with_mtime() {
    let fx = fixture().await;
    let id = start(&fx).await;
    let data: Vec<u8> = (0..3000u32).map(|i| (i % 251) as u8).collect();
    let v = chunk(&fx, &id, 0, 3000, &data[..1000], "").await;
    assert_eq!((status(&v), v["size"].as_u64()), (1, Some(1000)));
    // Nothing under the final name until the last byte arrived.
    assert!(!fx.path("Public/docs/up.bin").exists());
    assert_eq!(held(&fx, &id).await["size"], 1000);
    // A chunk at the wrong offset is refused with the size the box holds.
    let v = chunk(&fx, &id, 500, 3000, &data[500..1000], "").await;
    assert_eq!((status(&v), v["size"].as_u64()), (20, Some(1000)));
    let v = chunk(
        &fx,
        &id,
        1000,
        3000,
        &data[1000..],
        "&overwrite=0&settime=1&mtime=1600000000",
    )
    .await;
    assert_eq!(status(&v), 1, "{v}");
    assert_eq!(v["size"], 3000);
    assert_eq!(v["mtime"], 1_600_000_000);
    assert_eq!(std::fs::read(fx.path("Public/docs/up.bin")).unwrap(), data);
    assert!(!fx.path(&format!("{CACHE}/{id}")).exists());
    // The cache folder is never listed, not even with hidden files shown.
    let list = fx
        .util("func=get_list&path=/Public&limit=100&start=0&hidden_file=1")
        .await;
    assert!(!names(&list).iter().any(|n| n.starts_with(".@")), "{list}");
}

#[tokio::test]
async fn overwrite_zero_refuses_an_existing_name() {
    let fx = fixture().await;
    std::fs::write(fx.path("Public/docs/up.bin"), b"old").unwrap();
    let id = start(&fx).await;
    let v = chunk(&fx, &id, 0, 4, b"new!", "&overwrite=0").await;
    assert_eq!(status(&v), 2);
    assert_eq!(
        std::fs::read(fx.path("Public/docs/up.bin")).unwrap(),
        b"old"
    );
    let v = chunk(&fx, &id, 0, 4, b"new!", "&overwrite=1").await;
    assert_eq!(status(&v), 1);
    assert_eq!(
        std::fs::read(fx.path("Public/docs/up.bin")).unwrap(),
        b"new!"
    );
}

#[tokio::test]
async fn a_cut_chunk_keeps_its_bytes_and_delete_abandons() {
    let fx = fixture_with(|c| {
        c.faults = FaultConfig {
            drop_after_bytes: Some(100_000),
            ..FaultConfig::default()
        }
    })
    .await;
    let id = start(&fx).await;
    let data = vec![9u8; 300_000];
    let (ct, body) = multipart("file", "blob", &data);
    let sent = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=chunked_upload&sid={}&upload_id={id}\
             &upload_root_dir=/Public&offset=0&filesize=300000&dest_path=/Public&upload_name=cut.bin",
            fx.sid
        )))
        .header("Content-Type", ct)
        .body(body)
        .send()
        .await;
    if let Ok(r) = sent {
        let v: Value =
            serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or_default();
        assert_ne!(v["status"], 1, "{v}");
    }
    let have = held(&fx, &id).await["size"].as_u64().unwrap();
    assert!(have > 0 && have < 300_000, "{have}");
    assert!(!fx.path("Public/cut.bin").exists());
    let v = fx
        .util(&format!(
            "func=delete_chunked_upload_file&upload_id={id}&upload_root_dir=/Public"
        ))
        .await;
    assert_eq!(status(&v), 1);
    assert!(!fx.path(&format!("{CACHE}/{id}")).exists());
    assert_eq!(status(&held(&fx, &id).await), 5);
}

#[tokio::test]
async fn chunked_funcs_off_answer_20_and_need_a_length_and_a_session() {
    let fx = fixture_with(|c| c.chunked_upload = false).await;
    let v = fx
        .util("func=start_chunked_upload&upload_root_dir=/Public")
        .await;
    assert_eq!(status(&v), 20);

    let fx = fixture().await;
    let v = fx
        .util_as("bogus", "func=start_chunked_upload&upload_root_dir=/Public")
        .await;
    assert_eq!(status(&v), 3);
    let id = start(&fx).await;
    // A streamed body without Content-Length: 411 + HTML, like the standard upload.
    let (ct, body) = multipart("file", "blob", b"abc");
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let r = fx
        .http
        .post(fx.url(&format!(
            "/cgi-bin/filemanager/utilRequest.cgi?func=chunked_upload&sid={}&upload_id={id}\
             &upload_root_dir=/Public&offset=0&filesize=3&dest_path=/Public&upload_name=x",
            fx.sid
        )))
        .header("Content-Type", ct)
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::LENGTH_REQUIRED);
    // An id that is not one of ours never names a file outside the cache.
    let v = held(&fx, "../../a").await;
    assert_eq!(status(&v), 20);
}
