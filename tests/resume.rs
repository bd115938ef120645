//! Downloads that survive `kill -9`: the real binary fetches a 64 MiB file from the QNAP
//! and the Freebox emulators through a byte-counting relay that stalls midway, is
//! killed with SIGKILL, and runs again. The second run must fetch only what was
//! missing (plus a few MiB per stream), or start over when the source changed or
//! `--no-resume` says so; nothing of nascmd's is left in the folder afterwards. Also
//! the stale-temporary rule (`jobs::stale`) as the CLI applies it.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use support::relay::Relay;
use support::relayed_qnap::{pattern, temporaries};
use support::resume_record::recorded;
use support::sandbox::{Sandbox, ok, text};
use support::served::Served;

const MIB: u64 = 1 << 20;
const LEN: u64 = 64 * MIB;
/// Parallel ranges of one download (`jobs::ranged::STREAMS`).
const STREAMS: u64 = 4;
/// The relay stalls the first run once this much went down.
const STALL_AT: u64 = 40 * MIB;
const USER: &str = "alice";
const PASS: &str = "correct horse 7";

enum Kind {
    Qnap,
    Freebox,
}

/// An emulator with a relay in front, kept running by its runtime.
struct Nas {
    kind: Kind,
    /// Kept running while the test runs.
    _served: Served,
    relay: Relay,
    root: tempfile::TempDir,
}

impl Nas {
    fn start(kind: Kind) -> Nas {
        let root = tempfile::tempdir().unwrap();
        let served = match kind {
            Kind::Qnap => {
                std::fs::create_dir(root.path().join("Public")).unwrap();
                let cfg = nascmd::emulator::qnap::QnapEmulatorConfig::new(root.path(), USER, PASS);
                Served::qnap(cfg)
            }
            Kind::Freebox => {
                let cfg = nascmd::emulator::freebox::FreeboxEmulatorConfig::new(root.path());
                Served::freebox(cfg)
            }
        };
        let relay = served.relay();
        Nas {
            kind,
            _served: served,
            relay,
            root,
        }
    }

    /// Where the remote file lives on the emulator's disk.
    fn source(&self) -> PathBuf {
        match self.kind {
            Kind::Qnap => self.root.path().join("Public/big.bin"),
            Kind::Freebox => self.root.path().join("big.bin"),
        }
    }

    fn remote(&self) -> &'static str {
        match self.kind {
            Kind::Qnap => "nas:/Public/big.bin",
            Kind::Freebox => "box:/Disque dur/big.bin",
        }
    }

    /// A profile for the relay's address (a Freebox registers through it).
    fn setup(&self, sb: &Sandbox) {
        match self.kind {
            Kind::Qnap => sb.write_config(&format!(
                "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"{USER}\"\n",
                self.relay.url()
            )),
            Kind::Freebox => ok(&sb.run(&["remote", "add", "box", "--freebox", &self.relay.url()])),
        }
    }

    fn get(&self, sb: &Sandbox, extra: &[&str]) -> Command {
        let mut c = sb.cmd();
        c.env("NASCMD_PASSWORD", PASS)
            .args(["get", "--quiet"])
            .args(extra)
            .args([self.remote(), "down/"]);
        c
    }
}

/// Runs the download until the relay stalled it midway and the record caught up with
/// what went down, then kills it with SIGKILL. Returns (bytes gone down, bytes the
/// record claims) at the kill.
fn kill_midway(nas: &Nas, sb: &Sandbox) -> (u64, u64) {
    kill_after(nas, sb, STALL_AT, STREAMS)
}

/// `kill_midway` with the relay stalling after `stall_at` bytes of a download on
/// `streams` connections.
fn kill_after(nas: &Nas, sb: &Sandbox, stall_at: u64, streams: u64) -> (u64, u64) {
    let down_dir = sb.path().join("down");
    nas.relay.reset();
    nas.relay.stall_after(stall_at);
    let mut child = nas
        .get(sb, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    let claimed = loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the download ended before the kill"
        );
        assert!(Instant::now() < deadline, "the download never got midway");
        let went = nas.relay.down();
        if went >= stall_at
            && let Some(claimed) = recorded(&down_dir)
            && claimed > 0
            && claimed + streams * 5 * MIB + MIB / 4 >= went
        {
            break claimed;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let went = nas.relay.down();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(!temporaries(&down_dir).is_empty(), "the kill left nothing");
    assert_record_private(&down_dir);
    (went, claimed)
}

/// The record is the owner's only and holds no secret.
fn assert_record_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for name in temporaries(dir).iter().filter(|n| n.ends_with(".resume")) {
        let path = dir.join(name);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in [PASS, "sid", "token", "password"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

fn fresh_sandbox(nas: &Nas) -> Sandbox {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path().join("down")).unwrap();
    nas.setup(&sb);
    sb
}

/// Runs the download again to its end; returns the bytes it fetched.
fn run_again(nas: &Nas, sb: &Sandbox, extra: &[&str]) -> u64 {
    nas.relay.reset();
    ok(&nas.get(sb, extra).output().unwrap());
    nas.relay.down()
}

fn assert_done(nas: &Nas, sb: &Sandbox) {
    let down = sb.path().join("down");
    assert!(
        std::fs::read(down.join("big.bin")).unwrap() == std::fs::read(nas.source()).unwrap(),
        "the downloaded bytes differ from the source"
    );
    assert_eq!(temporaries(&down), Vec::<String>::new());
}

/// The second run fetches what the record lacked (headers aside), which is what was
/// missing at the kill plus at most a few MiB per stream.
fn assert_resumed(went: u64, claimed: u64, fetched: u64) {
    assert_resumed_of(LEN, STREAMS, went, claimed, fetched);
}

fn assert_resumed_of(len: u64, streams: u64, went: u64, claimed: u64, fetched: u64) {
    eprintln!(
        "at the kill: {went} bytes went down, {claimed} recorded; the rerun fetched {fetched}"
    );
    assert!(
        fetched <= len - claimed + MIB / 2,
        "fetched {fetched} bytes again, the record claimed {claimed} of {len}"
    );
    assert!(
        fetched <= len.saturating_sub(went) + streams * 6 * MIB,
        "fetched {fetched} bytes again after {went} went down"
    );
    assert!(fetched < len, "started over ({fetched} bytes)");
}

#[test]
fn qnap_download_killed_midway_resumes_and_a_changed_source_starts_over() {
    let nas = Nas::start(Kind::Qnap);
    std::fs::write(nas.source(), pattern(LEN, 1)).unwrap();
    let sb = fresh_sandbox(&nas);

    let (went, claimed) = kill_midway(&nas, &sb);
    let fetched = run_again(&nas, &sb, &[]);
    assert_done(&nas, &sb);
    assert_resumed(went, claimed, fetched);

    // Killed again, then the source changes (same size, other bytes and mtime): the
    // partial file is worthless and the copy starts over.
    std::fs::remove_file(sb.path().join("down/big.bin")).unwrap();
    kill_midway(&nas, &sb);
    let f = std::fs::File::options()
        .write(true)
        .open(nas.source())
        .unwrap();
    std::io::Write::write_all(&mut &f, &pattern(LEN, 2)).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(3600))
        .unwrap();
    drop(f);
    let fetched = run_again(&nas, &sb, &[]);
    assert_done(&nas, &sb);
    assert!(fetched >= LEN, "resumed a changed source ({fetched} bytes)");
}

#[test]
fn freebox_download_killed_midway_resumes_and_no_resume_starts_over() {
    let nas = Nas::start(Kind::Freebox);
    std::fs::write(nas.source(), pattern(LEN, 3)).unwrap();
    let sb = fresh_sandbox(&nas);

    let (went, claimed) = kill_midway(&nas, &sb);
    let fetched = run_again(&nas, &sb, &[]);
    assert_done(&nas, &sb);
    assert_resumed(went, claimed, fetched);

    std::fs::remove_file(sb.path().join("down/big.bin")).unwrap();
    kill_midway(&nas, &sb);
    let fetched = run_again(&nas, &sb, &["--no-resume"]);
    assert_done(&nas, &sb);
    assert!(fetched >= LEN, "--no-resume resumed ({fetched} bytes)");
}

#[test]
fn stale_temporaries_older_than_a_day_are_removed_and_told() {
    let sb = Sandbox::new();
    let src = sb.path().join("a.txt");
    std::fs::write(&src, b"hello").unwrap();
    let dst = sb.path().join("dst");
    std::fs::create_dir(&dst).unwrap();
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    let old = |name: &str, bytes: &[u8]| {
        let p = dst.join(name);
        std::fs::write(&p, bytes).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(two_days_ago)
            .unwrap();
    };
    old(".nascmd-part-x-old", &[7; 3000]);
    old(".nascmd-part-0123abcd.resume", b"{}");
    old("notours.part", b"keep me");
    std::fs::write(dst.join(".nascmd-part-y-fresh"), b"still running").unwrap();

    let o = sb.run(&["cp", src.to_str().unwrap(), dst.to_str().unwrap()]);
    ok(&o);
    let err = text(&o.stderr);
    assert!(
        err.contains("removed 2 stale temporary files") && err.contains("freed"),
        "{err}"
    );
    assert!(err.contains(".nascmd-part-x-old"), "{err}");
    let mut left: Vec<String> = std::fs::read_dir(&dst)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".nascmd-part-y-fresh", "a.txt", "notours.part"]);
}

#[test]
fn a_file_below_the_parallel_size_resumes_its_single_stream() {
    const SMALL: u64 = 24 * MIB;
    let nas = Nas::start(Kind::Qnap);
    std::fs::write(nas.source(), pattern(SMALL, 4)).unwrap();
    let sb = fresh_sandbox(&nas);
    let (went, claimed) = kill_after(&nas, &sb, 14 * MIB, 1);
    let fetched = run_again(&nas, &sb, &[]);
    assert_done(&nas, &sb);
    assert_resumed_of(SMALL, 1, went, claimed, fetched);
}

/// The job engine (the commander's copies) continues a single stream from what an
/// earlier run's record claims, cutting off the unsynced tail the run left.
#[tokio::test]
async fn the_engine_continues_a_partial_file_an_earlier_run_recorded() {
    use nascmd::jobs::JobKind;
    use nascmd::jobs::resume::{record_name, temp_path_for, transfer_key};
    use nascmd::vfs::VPath;
    use support::jobs::{local, pattern, run, set_mtime, spec, temp_files, write};

    let tmp = tempfile::tempdir().unwrap();
    let vp = |p: &Path| VPath::parse(p.to_str().unwrap()).unwrap();
    let len = 3 << 20;
    let data = pattern(len, 9);
    let src_file = tmp.path().join("src/file.bin");
    write(&src_file, &data);
    set_mtime(&src_file, 1_700_000_000);
    let dst_dir = tmp.path().join("dst");
    std::fs::create_dir(&dst_dir).unwrap();
    let (src, dst) = (vp(&src_file), vp(&dst_dir.join("file.bin")));

    // As a killed run left it: 2 MiB synced and recorded, then a tail never synced.
    let nas = std::sync::Arc::new(support::faulty::Faulty::new("nas"));
    let key = transfer_key("nas", &src, &dst);
    let temp = temp_path_for(&dst, &key).unwrap();
    let mut partial = data[..2 << 20].to_vec();
    partial.extend_from_slice(b"garbage the disk may hold after a power cut");
    std::fs::write(temp.as_str(), &partial).unwrap();
    let record = serde_json::json!({
        "version": 1, "source": "nas", "path": src.as_str(), "size": len,
        "mtime": 1_700_000_000, "target": dst.as_str(), "temp": temp.name(),
        "parallel": false, "ranges": [{"start": 0, "end": len, "done": 2 << 20}],
    });
    std::fs::write(dst_dir.join(record_name(&key)), record.to_string()).unwrap();
    // Left two days ago: older than the stale rule's day, yet this job's own to resume.
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    for name in [temp.name().to_owned(), record_name(&key)] {
        let f = std::fs::File::options()
            .write(true)
            .open(dst_dir.join(name))
            .unwrap();
        f.set_modified(two_days_ago).unwrap();
    }

    let job = spec(
        JobKind::Copy,
        nas.clone(),
        vec![src],
        Some((local(), vp(&dst_dir))),
    );
    let (report, events) = run(job).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, nascmd::jobs::JobEvent::StaleRemoved { .. })),
        "{events:?}"
    );
    assert_eq!(std::fs::read(dst_dir.join("file.bin")).unwrap(), data);
    assert_eq!(*nas.read_offsets.lock().unwrap(), vec![2 << 20]);
    assert_eq!(temp_files(&dst_dir), Vec::<String>::new());
}

/// A file below one record step (`SYNC_STEP`, 4 MiB) never claims a byte, so its
/// download writes no resume record, journals no partial and syncs nothing for it
/// (issue 14: a `get -r` of small files paid an fdatasync, a record replacement and a
/// folder fsync per file). Killed midway, the next run fetches it again and nothing
/// of nascmd's is left.
#[test]
fn a_file_below_one_record_step_gets_no_resume_record() {
    const SMALL: u64 = 3 * MIB;
    let nas = Nas::start(Kind::Qnap);
    std::fs::write(nas.source(), pattern(SMALL, 5)).unwrap();
    let sb = fresh_sandbox(&nas);
    let down_dir = sb.path().join("down");
    nas.relay.reset();
    nas.relay.stall_after(MIB);
    let mut child = nas
        .get(&sb, &[])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while nas.relay.down() < MIB || temporaries(&down_dir).is_empty() {
        assert!(Instant::now() < deadline, "the download never got midway");
        assert!(child.try_wait().unwrap().is_none(), "the download ended");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Long enough for a record to be written and polled, were there one.
    std::thread::sleep(Duration::from_millis(1500));
    let left = temporaries(&down_dir);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(!left[0].ends_with(".resume"), "{left:?}");
    assert_eq!(recorded(&down_dir), None, "{left:?}");
    let fetched = run_again(&nas, &sb, &[]);
    assert!(fetched >= SMALL, "fetched {fetched} of {SMALL}");
    assert_done(&nas, &sb);
}
