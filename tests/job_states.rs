//! What a job's progress says about its state, end to end through the engine: a
//! parallel-range download that lost one range stops saying "reconnecting" once that
//! range's bytes flow again; an upload whose bytes are all sent says it is finishing
//! rather than sitting at 100 %; a cancelled copy leaves none of the folders it made.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use nascmd::jobs::{EngineOptions, JobEngine, JobEvent, JobKind, RetryPolicy};
use support::faulty::Faulty;
use support::jobs::*;

const MIB: usize = 1024 * 1024;

/// An engine whose first retry waits 400 ms (long enough for the progress, sampled
/// every 250 ms, to show the wait).
fn engine_waiting_a_moment() -> (JobEngine, tokio::sync::mpsc::UnboundedReceiver<JobEvent>) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let opts = EngineOptions {
        workers: 2,
        adapt_to_link: false,
        retry: RetryPolicy {
            retries: 5,
            retry_for: Duration::from_secs(60),
            first_delay: Duration::from_millis(400),
            max_delay: Duration::from_secs(1),
        },
        ..EngineOptions::default()
    };
    (JobEngine::with_options(tx, opts), rx)
}

/// One range of a 64 MiB download (fetched in parallel ranges of 8 MiB) is cut 1.5 MiB
/// in; its next try goes on from the byte it had written. The job says "reconnecting"
/// while that range waits, and stops once its bytes flow again — it said so until the
/// range's end, seconds later, over a bar that kept moving. (Watched for a few seconds,
/// then cancelled: the rest of the download says nothing more.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ranged_download_stops_saying_reconnecting_once_the_range_flows_again() {
    let _place = parallel_ranges_place().await;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    let dst = tmp.path().join("dst");
    std::fs::create_dir_all(&dst).unwrap();
    write(&src.join("big.iso"), &pattern(64 * MIB, 9));
    let nas = Faulty {
        // About 3 MiB/s per range: the rest of the cut range (6.5 MiB) takes 2 s, its
        // first MiB after the cut a third of a second.
        slow_reads: Some(Duration::from_millis(20)),
        ..Faulty::new("nas")
    };
    *nas.drop_read_after.lock().unwrap() = Some((3 * MIB / 2) as u64);
    let nas: nascmd::vfs::VfsHandle = Arc::new(nas);

    let (engine, mut rx) = engine_waiting_a_moment();
    let id = engine.start(spec(
        JobKind::Copy,
        nas,
        vec![vp(&src.join("big.iso"))],
        Some((local(), vp(&dst))),
    ));
    let mut reconnecting: Vec<(Instant, String)> = Vec::new();
    let watch = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress } if j == id => {
                    if let Some(r) = progress.reconnecting {
                        reconnecting.push((Instant::now(), r.describe()));
                    }
                    if let Some((first, _)) = reconnecting.first()
                        && first.elapsed() > Duration::from_millis(3500)
                    {
                        return;
                    }
                }
                JobEvent::Finished { id: j, report } if j == id => {
                    panic!("finished before it was watched: {report:?}")
                }
                _ => {}
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), watch)
        .await
        .expect("no reconnect watched within a minute");
    engine.cancel(id);
    let (first, said) = reconnecting.first().expect("no progress said reconnecting");
    assert!(said.starts_with("reconnecting"), "{said}");
    let (last, _) = reconnecting.last().unwrap();
    // The wait (0.4 s) and the first MiB of the new try; the rest of the range would
    // take 2 s more.
    let lasted = last.duration_since(*first);
    assert!(
        lasted < Duration::from_millis(1500),
        "said reconnecting for {lasted:?}: {:?}",
        reconnecting.iter().map(|(_, s)| s).collect::<Vec<_>>()
    );
}

/// An upload to the QNAP emulator, each of whose answers comes a second late: once the
/// file's bytes are all sent the job is at 100 % and says it is finishing on the NAS
/// (the bar sat at 100 % for seconds, its rate falling), and says so no more once the
/// file is in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_the_nas_still_finishes_says_so_at_100_percent() {
    let nas = support::qnap_client::start(
        nascmd::emulator::faults::FaultConfig {
            latency: Some(Duration::from_millis(1200)),
            ..Default::default()
        },
        None,
    )
    .await;
    let qnap: nascmd::vfs::VfsHandle = Arc::new(support::qnap_client::connect(&nas).await);
    let tmp = tempfile::tempdir().unwrap();
    let data = pattern(MIB, 5);
    write(&tmp.path().join("song.flac"), &data);

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        local(),
        vec![vp(&tmp.path().join("song.flac"))],
        Some((qnap, nascmd::vfs::VPath::parse("/Public").unwrap())),
    ));
    let mut progress = Vec::new();
    let job = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress: p } if j == id => progress.push(p),
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("no report");
    };
    let report = tokio::time::timeout(Duration::from_secs(60), job)
        .await
        .expect("the job did not finish");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(std::fs::read(nas.root.join("Public/song.flac")).unwrap() == data);
    let finishing: Vec<_> = progress.iter().filter(|p| p.finishing).collect();
    assert!(
        !finishing.is_empty(),
        "never said finishing: {:?}",
        progress
            .iter()
            .map(|p| (p.bytes_done, p.finishing))
            .collect::<Vec<_>>()
    );
    assert!(finishing.iter().all(|p| p.bytes_done == p.bytes_total));
    let last = progress.last().expect("progress");
    assert!(
        !last.finishing && last.bytes_done == last.bytes_total,
        "{last:?}"
    );
}

/// An upload to a QNAP that takes 512 KiB/s: its bytes are read into the request long
/// before they arrive (loopback socket buffers hold megabytes), so "every byte read"
/// said "finishing on the NAS" for seconds while most of them were still on their way.
/// The job says it only once the NAS answered that it holds all but the last few (the
/// last chunk goes as two requests): for the short while the last one takes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_says_finishing_only_once_the_nas_holds_its_bytes() {
    let nas = support::qnap_client::start(
        nascmd::emulator::faults::FaultConfig {
            bandwidth: Some(512 * 1024),
            ..Default::default()
        },
        None,
    )
    .await;
    let qnap: nascmd::vfs::VfsHandle = Arc::new(support::qnap_client::connect(&nas).await);
    let tmp = tempfile::tempdir().unwrap();
    let data = pattern(3 * MIB, 6);
    write(&tmp.path().join("take.mov"), &data);

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        local(),
        vec![vp(&tmp.path().join("take.mov"))],
        Some((qnap, nascmd::vfs::VPath::parse("/Public").unwrap())),
    ));
    let mut first_finishing: Option<Instant> = None;
    let job = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress: p } if j == id && p.finishing => {
                    first_finishing.get_or_insert_with(Instant::now);
                }
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("no report");
    };
    let report = tokio::time::timeout(Duration::from_secs(60), job)
        .await
        .expect("the job did not finish");
    let end = Instant::now();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(std::fs::read(nas.root.join("Public/take.mov")).unwrap() == data);
    // 64 KiB at 512 KiB/s, and the request around them (short enough that the
    // progress, sampled every 250 ms, may not show it at all).
    if let Some(said) = first_finishing {
        assert!(
            end - said < Duration::from_millis(1500),
            "said finishing {:?} before the end",
            end - said
        );
    }
}

/// The same with a Freebox taking 512 KiB/s: the WebSocket upload keeps 4 MiB
/// unacknowledged on the wire, so a 3 MiB file was read whole in its first moment and
/// the job sat at 100 % saying "finishing on the NAS" for the 6 s its bytes took to
/// arrive. The bytes counted are the ones the box acknowledged (`upload_data`
/// replies): the bar moves with them, and "finishing" is the finalize alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freebox_upload_says_finishing_only_once_the_box_holds_its_bytes() {
    let f = support::freebox::start(|c| c.faults.bandwidth = Some(512 * 1024)).await;
    let root = f.root.path().to_owned();
    let fbx: nascmd::vfs::VfsHandle = Arc::new(f.fbx);
    let tmp = tempfile::tempdir().unwrap();
    let data = pattern(3 * MIB, 7);
    write(&tmp.path().join("take.mov"), &data);

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        local(),
        vec![vp(&tmp.path().join("take.mov"))],
        Some((fbx, support::freebox::p(support::freebox::DISK))),
    ));
    let mut first_finishing: Option<Instant> = None;
    let mut midway = Vec::new();
    let job = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress: p } if j == id => {
                    if p.finishing {
                        first_finishing.get_or_insert_with(Instant::now);
                    }
                    if p.bytes_done > p.bytes_total / 4 && p.bytes_done < p.bytes_total * 3 / 4 {
                        midway.push(p.bytes_done);
                    }
                }
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("no report");
    };
    let report = tokio::time::timeout(Duration::from_secs(60), job)
        .await
        .expect("the job did not finish");
    let end = Instant::now();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(std::fs::read(root.join("take.mov")).unwrap() == data);
    // Each byte counted once (acknowledged, not also read).
    assert_eq!(report.bytes_done, data.len() as u64);
    // The bar went through the middle (6 s of it at this speed), not 0 then 100 %.
    assert!(midway.len() >= 4, "progress midway: {midway:?}");
    // The finalize and the look at the file after it.
    if let Some(said) = first_finishing {
        assert!(
            end - said < Duration::from_millis(1500),
            "said finishing {:?} before the end",
            end - said
        );
    }
    drop(f.emu);
}

/// A Freebox upload from a source slower than the link (64 KiB per 20 ms, about
/// 3 MB/s): the box acknowledges each frame at once, and the job's bytes follow those
/// acknowledgements as they come. (They were read only once 4 MiB were unacknowledged
/// or at the end: a 4 MiB file sat at 0 until its last frame, then jumped to 100 %.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_freebox_upload_from_a_slow_source_counts_each_frame_the_box_acknowledged() {
    let f = support::freebox::start(|_| {}).await;
    let fbx: nascmd::vfs::VfsHandle = Arc::new(f.fbx);
    let tmp = tempfile::tempdir().unwrap();
    let data = pattern(4 * MIB, 8);
    write(&tmp.path().join("slow.bin"), &data);
    let slow = Faulty {
        slow_reads: Some(Duration::from_millis(20)),
        ..Faulty::new("slow source")
    };

    let (engine, mut rx) = engine();
    let id = engine.start(spec(
        JobKind::Copy,
        Arc::new(slow),
        vec![vp(&tmp.path().join("slow.bin"))],
        Some((fbx, support::freebox::p(support::freebox::DISK))),
    ));
    let mut seen = Vec::new();
    let job = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress: p } if j == id => seen.push(p.bytes_done),
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("no report");
    };
    let report = tokio::time::timeout(Duration::from_secs(60), job)
        .await
        .expect("the job did not finish");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert!(std::fs::read(f.root.path().join("slow.bin")).unwrap() == data);
    let total = data.len() as u64;
    let between: Vec<u64> = seen
        .iter()
        .copied()
        .filter(|&b| b > 0 && b < total)
        .collect();
    assert!(between.len() >= 3, "bytes seen: {seen:?}");
    drop(f.emu);
}

/// An upload to a QNAP that answers HTTP 500 to every third request: the job's
/// progress names the server error ("NAS error (HTTP 500) — next try in …"), never
/// "reconnecting" (the link never broke), and the files land whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_during_an_upload_are_named_not_called_reconnecting() {
    let nas = support::qnap_client::start(
        nascmd::emulator::faults::FaultConfig {
            http500_every: Some(3),
            ..Default::default()
        },
        None,
    )
    .await;
    // Through a relay, as a NAS is reached over a link: an answer the NAS gives before
    // it has read the whole request must still arrive as an answer.
    let relay = support::outage::OutageRelay::start(nas.emu.addr, None).await;
    let qnap = nascmd::nas::qnap::QnapVfs::connect(nascmd::nas::qnap::QnapConfig {
        base_url: relay.url(),
        ..support::qnap_client::config(&nas, "alice", "pw")
    })
    .await
    .unwrap();
    let qnap: nascmd::vfs::VfsHandle = Arc::new(qnap);
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..3u8 {
        write(
            &tmp.path().join(format!("album/t{i}.flac")),
            // More than the socket buffers hold: the NAS answers before it has all.
            &pattern(12 * MIB, i),
        );
    }
    let want = tree(&tmp.path().join("album"));

    let (engine, mut rx) = engine_waiting_a_moment();
    let id = engine.start(spec(
        JobKind::Copy,
        local(),
        vec![vp(&tmp.path().join("album"))],
        Some((qnap, nascmd::vfs::VPath::parse("/Public").unwrap())),
    ));
    let mut said = Vec::new();
    let job = async {
        while let Some(ev) = rx.recv().await {
            match ev {
                JobEvent::Progress { id: j, progress } if j == id => {
                    said.extend(progress.reconnecting.map(|r| r.describe()));
                }
                JobEvent::Finished { id: j, report } if j == id => return report,
                _ => {}
            }
        }
        panic!("no report");
    };
    let report = tokio::time::timeout(Duration::from_secs(60), job)
        .await
        .expect("the job did not finish");
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(tree(&nas.root.join("Public/album")), want);
    assert!(!said.is_empty(), "no progress said it waits to try again");
    // The emulator answers 500 without reading the upload's body and closes the
    // connection, so a try can also end in a dropped connection ("reconnecting"): the
    // server's error must be named, not every wait.
    assert!(
        said.iter()
            .any(|s| s.starts_with("NAS error (HTTP 500) — ")),
        "{said:?}"
    );
}
