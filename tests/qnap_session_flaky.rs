//! QNAP transfers when the session expired on a link that fails every 2nd request: the
//! transfer's first request is refused (session expired), the re-login is the failing
//! one, and the next try must log in first (`Client::live_sid`) instead of sending the
//! dead sid again — which made every try "refused, re-login failed", for ever.
//! (The standard upload of old firmware: `nas::qnap::transfer`'s own tests.)

use crate::support;

use std::time::Duration;

use nascmd::emulator::request_log::RequestLog;
use nascmd::jobs::retry_interactive;
use nascmd::prompt::NoPrompter;
use nascmd::runtime::ConnectContext;
use nascmd::secret::Secret;
use nascmd::services::connect::{Answers, open};
use nascmd::vfs::{ByteReader, UploadTarget, VPath, VfsError, VfsHandle};
use tokio::io::AsyncReadExt;

/// How long a session lives on this emulator.
const LIFETIME: Duration = Duration::from_millis(1000);

fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

fn reader(bytes: &[u8]) -> ByteReader {
    Box::pin(std::io::Cursor::new(bytes.to_vec()))
}

/// Waits until the session has expired, then sends plain requests until the next one
/// goes through (and the one after it, the re-login, fails).
async fn expire_session(base_url: &str, log: &RequestLog) {
    tokio::time::sleep(LIFETIME + Duration::from_millis(200)).await;
    while (log.count() + 1) % 2 == 0 {
        let _ = reqwest::get(format!("{base_url}/nothing-here")).await;
    }
}

async fn read_all(vfs: &VfsHandle, path: &VPath) -> Result<Vec<u8>, VfsError> {
    let mut r = vfs.open_read(path, 0).await?;
    let mut got = Vec::new();
    r.read_to_end(&mut got)
        .await
        .map_err(|e| VfsError::Network(e.to_string()))?;
    Ok(got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_and_a_put_after_a_failed_relogin_go_through() {
    let log = RequestLog::default();
    let nas = support::qnap_client::start_configured(|cfg| {
        cfg.faults.http500_every = Some(2);
        cfg.faults.session_lifetime = Some(LIFETIME);
        cfg.request_log = log.clone();
    })
    .await;
    std::fs::write(nas.root.join("Public/photo.jpg"), b"the photo").unwrap();
    let ctx =
        ConnectContext::isolated().with_password(&nas.emu.base_url, "alice", Secret::new("pw"));
    let url = format!("qnap://alice@{}/Public", nas.emu.addr);
    let vfs = match open(&ctx, &url, &Answers::default(), &NoPrompter).await {
        Ok(o) => o.vfs,
        Err(e) => panic!("not connected: {e}"),
    };

    // get: `download` first.
    expire_session(&nas.emu.base_url, &log).await;
    let photo = p("/Public/photo.jpg");
    let got = retry_interactive(|| read_all(&vfs, &photo)).await;
    assert_eq!(
        got.unwrap_or_else(|e| panic!("get: {e} {:?}", log.lines())),
        b"the photo"
    );

    // put, the chunked upload: `start_chunked_upload`, then `chunked_upload` first.
    let up = vfs
        .features()
        .atomic_upload
        .expect("QNAP uploads in chunks");
    let data = b"the new photo".as_slice();
    let target = UploadTarget {
        path: p("/Public/new.jpg"),
        len: data.len() as u64,
        mtime: Some(1_700_000_000),
        overwrite: false,
    };
    expire_session(&nas.emu.base_url, &log).await;
    let id = retry_interactive(|| up.begin_upload(&target))
        .await
        .unwrap_or_else(|e| panic!("start: {e} {:?}", log.lines()));
    expire_session(&nas.emu.base_url, &log).await;
    retry_interactive(|| up.upload_from(&id, &target, 0, reader(data)))
        .await
        .unwrap_or_else(|e| panic!("chunk: {e} {:?}", log.lines()));
    assert_eq!(
        std::fs::read(nas.root.join("Public/new.jpg")).unwrap(),
        data
    );
}
