//! Steps whose answer is lost after the NAS carried them out: a relay in front of the
//! QNAP emulator cuts the connection just as the answer to the chunk that puts an
//! upload into place (or to a delete) starts. The engine retries every step of a file,
//! and each retried step looks first whether it already took effect — the upload is
//! gone and the final name has the expected size and mtime, the moved source is gone —
//! so nothing is done twice and nothing fails.

use crate::support;

use std::sync::Arc;

use nascmd::emulator::faults::FaultConfig;
use nascmd::jobs::JobKind;
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::secret::Secret;
use nascmd::vfs::{VPath, VfsHandle};
use support::jobs::{local, pattern, run, spec, temp_files, tree, vp, write};
use support::outage::OutageRelay;

fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

/// A relay in front of `nas`, alice logged in through it, and a local folder `t` of
/// twelve files to send.
async fn through_relay(
    nas: &support::qnap_client::Nas,
) -> (OutageRelay, VfsHandle, tempfile::TempDir) {
    let relay = OutageRelay::start(nas.emu.addr, None).await;
    let vfs: VfsHandle = Arc::new(
        QnapVfs::connect(QnapConfig {
            base_url: relay.url(),
            user: "alice".into(),
            password: Secret::new("pw"),
            ..QnapConfig::default()
        })
        .await
        .unwrap(),
    );
    let src = tempfile::tempdir().unwrap();
    for i in 0..12usize {
        write(
            &src.path().join(format!("t/f{i:02}.bin")),
            &pattern(5000 + i * 977, i as u8),
        );
    }
    (relay, vfs, src)
}

/// Firmware without the chunked upload: files go to a temporary name and a rename
/// puts each into place; five renames done by the NAS lose their answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renames_into_place_whose_answer_is_lost_are_not_failures() {
    let nas = support::qnap_client::start_configured(|cfg| cfg.chunked_upload = false).await;
    let (relay, vfs, src) = through_relay(&nas).await;
    relay.lose_answers_to("func=rename", 5);
    let (report, _) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src.path().join("t"))],
        Some((vfs, p("/Public"))),
    ))
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(relay.lost(), 5, "the answers were not lost");
    assert_eq!(
        tree(&nas.root.join("Public/t")),
        tree(&src.path().join("t"))
    );
    assert!(temp_files(&nas.root.join("Public")).is_empty());
    assert!(temp_files(&nas.root.join("Public/t")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_into_place_and_removals_whose_answer_is_lost_are_not_failures() {
    let nas = support::qnap_client::start(FaultConfig::default(), None).await;
    let (relay, vfs, src) = through_relay(&nas).await;
    let want = tree(&src.path().join("t"));

    // Up: five uploads put into place by the NAS (chunked upload: its last chunk
    // does it), their answers lost.
    relay.lose_answers_to("func=chunked_upload", 5);
    let (report, _) = run(spec(
        JobKind::Copy,
        local(),
        vec![vp(&src.path().join("t"))],
        Some((vfs.clone(), p("/Public"))),
    ))
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(relay.lost(), 5, "the answers were not lost");
    assert_eq!(tree(&nas.root.join("Public/t")), want);
    assert!(temp_files(&nas.root.join("Public")).is_empty());

    // Back, moving: three removals of NAS sources done, their answers lost.
    relay.lose_answers_to("func=delete", 3);
    let back = tempfile::tempdir().unwrap();
    let (report, _) = run(spec(
        JobKind::Move,
        vfs,
        vec![p("/Public/t")],
        Some((local(), vp(back.path()))),
    ))
    .await;
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(relay.lost(), 8, "the answers were not lost");
    assert_eq!(tree(&back.path().join("t")), want);
    assert!(!nas.root.join("Public/t").exists(), "sources left");
    assert!(temp_files(back.path()).is_empty());
}

/// F7 / `nascmd mkdir` on a Freebox whose answer is lost: the box made the folder, and
/// the retry that finds it there is a success, not "network error: …" over a folder
/// that exists. A folder that was there before still fails as existing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mkdir_whose_answer_is_lost_is_not_a_failure() {
    use support::freebox::{connect_to, disk, registered_token, start};
    let f = start(|_| {}).await;
    let relay = OutageRelay::start(f.emu.addr, None).await;
    let token = registered_token(&f.emu.base_url).await;
    let fbx: VfsHandle = Arc::new(connect_to(&relay.url(), token).await.unwrap());

    relay.lose_answers_to("fs/mkdir", 1);
    nascmd::jobs::mkdir_interactive(&fbx, &disk("made"))
        .await
        .expect("the lost answer was reported as a failure");
    assert_eq!(relay.lost(), 1, "no answer was lost");
    assert!(f.root.path().join("made").is_dir());

    let again = nascmd::jobs::mkdir_interactive(&fbx, &disk("made")).await;
    assert!(
        matches!(again, Err(nascmd::vfs::VfsError::AlreadyExists(_))),
        "{again:?}"
    );
}
