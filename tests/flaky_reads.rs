//! Reading a NAS file into memory for someone who waits (the viewer's window, F4's
//! copy; `jobs::read_retrying`) through connections that break midway: the read goes
//! on from the byte where each try stopped and brings the file whole.

use crate::support;

use std::sync::Arc;

use nascmd::emulator::faults::FaultConfig;
use nascmd::vfs::{VPath, VfsHandle};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_cut_every_20_kb_goes_on_where_it_stopped() {
    let nas = support::qnap_client::start(
        FaultConfig {
            // 17 cuts: more than the QNAP reader takes up by itself (`RESUMES`).
            drop_after_bytes: Some(20_000),
            drop_every_time: true,
            ..Default::default()
        },
        None,
    )
    .await;
    let data = support::jobs::pattern(350_000, 7);
    std::fs::write(nas.root.join("Public/notes.txt"), &data).unwrap();
    let qnap: VfsHandle = Arc::new(support::qnap_client::connect(&nas).await);
    let path = VPath::parse("/Public/notes.txt").unwrap();

    let mut told = Vec::new();
    let got = nascmd::jobs::read_retrying(&qnap, &path, 0, 1 << 20, |n| told.push(n))
        .await
        .unwrap();
    assert!(got.bytes == data, "{} bytes, not the file", got.bytes.len());
    assert!(got.resumed, "no try was cut");
    assert_eq!(told.last(), Some(&350_000));
    assert!(told.windows(2).all(|w| w[0] < w[1]), "progress went back");

    // A window in the middle, as the viewer reads it.
    let got = nascmd::jobs::read_retrying(&qnap, &path, 120_000, 150_000, |_| {})
        .await
        .unwrap();
    assert!(got.bytes == data[120_000..270_000], "the window differs");
}
