//! Freebox uploads across runs (`jobs::resume::NasPartial`): the real binary puts a
//! 64 MiB file through a byte-counting relay that stalls midway in front of the
//! Freebox emulator, is killed with SIGKILL, and runs the same command again. The box
//! keeps the cut upload (as a real one does); the rerun asks how much it holds and
//! appends the rest (`force: "resume"`) instead of starting from byte 0. A changed
//! source, or `--no-resume`, sends the file whole and drops what the box kept. Nothing
//! of nascmd's is left on the box, and the journal goes.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use support::freebox::upload_leftovers;
use support::relay::Relay;
use support::relayed_qnap::{journal_texts, pattern};
use support::resume_record::{Stable, recorded};
use support::sandbox::{Sandbox, ok, text};
use support::served::Served;

const MIB: u64 = 1 << 20;
const LEN: u64 = 64 * MIB;
const STALL_AT: u64 = 40 * MIB;
const ARGS: [&str; 3] = ["put", "up.bin", "box:/Disque dur/"];

/// The Freebox emulator with a relay in front, kept running by its runtime.
struct Fbx {
    /// Kept running while the test runs.
    _served: Served,
    relay: Relay,
    disk: tempfile::TempDir,
}

impl Fbx {
    fn start() -> Fbx {
        let disk = tempfile::tempdir().unwrap();
        let cfg = nascmd::emulator::freebox::FreeboxEmulatorConfig::new(disk.path());
        let served = Served::freebox(cfg);
        let relay = served.relay();
        Fbx {
            _served: served,
            relay,
            disk,
        }
    }

    /// A sandbox with the box registered through the relay.
    fn sandbox(&self) -> Sandbox {
        let sb = Sandbox::new();
        ok(&sb.run(&["remote", "add", "box", "--freebox", &self.relay.url()]));
        sb
    }

    fn put(&self, sb: &Sandbox, extra: &[&str]) -> Command {
        let mut c = sb.cmd();
        c.args(ARGS).args(extra);
        c
    }

    fn landed(&self) -> PathBuf {
        self.disk.path().join("up.bin")
    }

    /// Bytes the box keeps of unfinished uploads (the emulator's hidden partial files).
    fn kept(&self) -> u64 {
        upload_leftovers(self.disk.path())
            .iter()
            .filter_map(|n| std::fs::metadata(self.disk.path().join(n)).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// Runs the put until the relay stalled it at `STALL_AT` with its temporary in the
/// journal, kills it with SIGKILL, and waits for the box to take in what went through.
fn kill_put_midway(fbx: &Fbx, sb: &Sandbox) {
    fbx.relay.reset();
    fbx.relay.stall_up_after(STALL_AT);
    let mut child = fbx
        .put(sb, &["--quiet"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the put ended before the kill"
        );
        assert!(Instant::now() < deadline, "the upload never got midway");
        let journaled = journal_texts(sb).iter().any(|t| t.contains("\"partial\""));
        if fbx.relay.up() >= STALL_AT && journaled {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    // The relay holds the stalled connection open until told; a killed client's closes.
    fbx.relay.reset();
    let mut last = fbx.kept();
    let mut same = 0;
    let settle = Instant::now() + Duration::from_secs(30);
    while same < 3 {
        assert!(Instant::now() < settle, "the box never settled");
        std::thread::sleep(Duration::from_millis(200));
        let now = fbx.kept();
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
    assert!(
        fbx.kept() >= STALL_AT - 4 * MIB,
        "the box kept {} bytes",
        fbx.kept()
    );
    let journals = journal_texts(sb);
    assert_eq!(journals.len(), 1);
    for secret in ["sid", "token", "password", "app_token"] {
        assert!(!journals[0].contains(secret), "{secret} in the journal");
    }
}

fn assert_landed_and_clean(fbx: &Fbx, sb: &Sandbox, src: &Path) {
    assert!(
        std::fs::read(fbx.landed()).unwrap() == std::fs::read(src).unwrap(),
        "the uploaded bytes differ from the source"
    );
    assert_eq!(upload_leftovers(fbx.disk.path()), Vec::<String>::new());
    assert_eq!(
        journal_texts(sb),
        Vec::<String>::new(),
        "the journal stayed"
    );
}

#[test]
fn a_killed_freebox_put_appends_to_what_the_box_kept_unless_the_source_changed() {
    let fbx = Fbx::start();
    let sb = fbx.sandbox();
    let src = sb.path().join("up.bin");
    std::fs::write(&src, pattern(LEN, 3)).unwrap();

    kill_put_midway(&fbx, &sb);
    let kept = fbx.kept();
    fbx.relay.reset();
    let out = fbx.put(&sb, &[]).output().unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("resuming: 0 of 1 items already done"), "{err}");
    let sent = fbx.relay.up();
    eprintln!("the box kept {kept} bytes; the rerun sent {sent}");
    assert!(
        sent <= LEN - kept + MIB,
        "sent {sent} bytes again while the box kept {kept}"
    );
    assert_landed_and_clean(&fbx, &sb, &src);

    // Killed again, then the source changes: what the box kept is worthless, so the
    // file goes whole and the kept bytes are dropped.
    std::fs::remove_file(fbx.landed()).unwrap();
    kill_put_midway(&fbx, &sb);
    let f = std::fs::File::options().write(true).open(&src).unwrap();
    std::io::Write::write_all(&mut &f, &pattern(LEN, 4)).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(3600))
        .unwrap();
    drop(f);
    fbx.relay.reset();
    ok(&fbx.put(&sb, &[]).output().unwrap());
    assert!(fbx.relay.up() >= LEN, "went on with a changed source");
    assert_landed_and_clean(&fbx, &sb, &src);
}

#[test]
fn no_resume_sends_a_killed_freebox_put_whole() {
    let fbx = Fbx::start();
    let sb = fbx.sandbox();
    let src = sb.path().join("up.bin");
    std::fs::write(&src, pattern(LEN, 5)).unwrap();

    kill_put_midway(&fbx, &sb);
    fbx.relay.reset();
    let out = fbx.put(&sb, &["--no-resume"]).output().unwrap();
    ok(&out);
    assert!(!text(&out.stderr).contains("resuming"));
    assert!(fbx.relay.up() >= LEN, "--no-resume went on");
    assert_landed_and_clean(&fbx, &sb, &src);
}

/// Sets a file's mtime two days back (older than the stale rule's day).
fn age(path: &Path) {
    let two_days_ago = SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_stale_sweep_keeps_what_a_paused_job_owns_and_sweeps_nas_folders_too() {
    let fbx = Fbx::start();
    let sb = fbx.sandbox();
    std::fs::write(fbx.disk.path().join("big.bin"), pattern(LEN, 8)).unwrap();
    std::fs::write(fbx.disk.path().join("small.txt"), b"small").unwrap();
    let down = sb.path().join("down");
    std::fs::create_dir(&down).unwrap();
    let get_big = ["get", "--quiet", "box:/Disque dur/big.bin", "down/"];

    // A download killed midway: its partial file and record stay, journaled.
    fbx.relay.reset();
    fbx.relay.stall_after(STALL_AT);
    let mut child = sb
        .cmd()
        .args(get_big)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(180);
    // Killed once the relay stalled and the record stopped moving (how far behind the
    // stall it stays depends on how many streams a busy machine led the get to use).
    let mut claim = Stable::default();
    while fbx.relay.down() < STALL_AT
        || !journal_texts(&sb).iter().any(|t| t.contains("\"partial\""))
        || !claim.settled(recorded(&down), Duration::from_secs(3))
    {
        assert!(child.try_wait().unwrap().is_none(), "the get ended early");
        assert!(Instant::now() < deadline, "the download never got midway");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    fbx.relay.reset();
    let paused = upload_leftovers(&down);
    assert!(!paused.is_empty(), "the kill left nothing");
    for name in &paused {
        age(&down.join(name));
    }
    // Left by nobody: a day old, here and on the box; and a fresh one on the box.
    std::fs::write(
        down.join(".nascmd-part-00000000deadbeef-orphan.bin"),
        [1; 3000],
    )
    .unwrap();
    age(&down.join(".nascmd-part-00000000deadbeef-orphan.bin"));
    let on_box = |name: &str| fbx.disk.path().join(name);
    std::fs::write(on_box(".nascmd-part-00000000cafef00d-old.bin"), [2; 5000]).unwrap();
    age(&on_box(".nascmd-part-00000000cafef00d-old.bin"));
    std::fs::write(on_box(".nascmd-part-00000000cafef00e-new.bin"), b"busy").unwrap();

    // Another job into the same folder sweeps the orphan, not the paused job's files.
    let out = sb
        .cmd()
        .args(["get", "box:/Disque dur/small.txt", "down/"])
        .output()
        .unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("removed 1 stale temporary file"), "{err}");
    assert!(err.contains("orphan.bin"), "{err}");
    let mut want = paused.clone();
    want.push("small.txt".into());
    want.sort();
    assert_eq!(names(&down), want);

    // A put into a box folder sweeps there too (the fresh temporary stays).
    std::fs::write(sb.path().join("note.txt"), b"note").unwrap();
    let out = sb
        .cmd()
        .args(["put", "note.txt", "box:/Disque dur/"])
        .output()
        .unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("removed 1 stale temporary file"), "{err}");
    assert!(!on_box(".nascmd-part-00000000cafef00d-old.bin").exists());
    assert!(on_box(".nascmd-part-00000000cafef00e-new.bin").exists());
    std::fs::remove_file(on_box(".nascmd-part-00000000cafef00e-new.bin")).unwrap();

    // The paused download goes on from its partial file.
    fbx.relay.reset();
    let out = sb.cmd().args(get_big).output().unwrap();
    ok(&out);
    assert!(fbx.relay.down() < LEN, "the paused download started over");
    assert!(
        std::fs::read(down.join("big.bin")).unwrap()
            == std::fs::read(fbx.disk.path().join("big.bin")).unwrap()
    );
    assert_eq!(upload_leftovers(&down), Vec::<String>::new());
    assert_eq!(journal_texts(&sb), Vec::<String>::new());
}

/// The box's own files of the partial uploads it holds (the emulator keeps each under a
/// temporary name and shows it under the name being uploaded).
fn held_partials(fbx: &Fbx) -> Vec<PathBuf> {
    upload_leftovers(fbx.disk.path())
        .into_iter()
        .filter(|n| n.starts_with(".fbxemu-upload."))
        .map(|n| fbx.disk.path().join(n))
        .collect()
}

/// Forgets every job of the sandbox's journal (a journal lost, or a run killed before
/// its journal line).
fn lose_journal(sb: &Sandbox) {
    for e in std::fs::read_dir(sb.path().join("state/nascmd/jobs")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "journal") {
            std::fs::remove_file(p).unwrap();
        }
    }
    assert_eq!(journal_texts(sb), Vec::<String>::new());
}

/// A put of a small file into the box's folder: the job that sweeps it.
fn put_small(sb: &Sandbox, name: &str) -> String {
    std::fs::write(sb.path().join(name), b"small").unwrap();
    let out = sb
        .cmd()
        .args(["put", name, "box:/Disque dur/"])
        .output()
        .unwrap();
    ok(&out);
    text(&out.stderr)
}

#[test]
fn a_partial_the_box_holds_for_no_journal_is_swept_once_a_day_old() {
    let fbx = Fbx::start();
    let sb = fbx.sandbox();
    std::fs::write(sb.path().join("up.bin"), pattern(LEN, 9)).unwrap();

    // Owned by the journal (a paused job): kept however old.
    kill_put_midway(&fbx, &sb);
    let held = held_partials(&fbx);
    assert_eq!(held.len(), 1, "{held:?}");
    age(&held[0]);
    let kept = fbx.kept();
    let err = put_small(&sb, "one.txt");
    assert!(!err.contains("stale"), "{err}");
    assert_eq!(fbx.kept(), kept, "the paused job's partial went");

    // The journal lost: nothing owns it any more, and it is two days old.
    lose_journal(&sb);
    let err = put_small(&sb, "two.txt");
    assert!(
        err.contains("removed 1 stale temporary file from /Disque dur"),
        "{err}"
    );
    let freed = humansize::format_size(kept, humansize::BINARY);
    assert!(err.contains(&format!("({freed} freed)")), "{err}");
    assert!(err.contains(".nascmd-part-"), "{err}");
    assert_eq!(fbx.kept(), 0, "the stale partial stayed on the box");
    assert_eq!(upload_leftovers(fbx.disk.path()), Vec::<String>::new());

    // A fresh one owned by nobody stays: it may be a run still going.
    kill_put_midway(&fbx, &sb);
    lose_journal(&sb);
    let kept = fbx.kept();
    let err = put_small(&sb, "three.txt");
    assert!(!err.contains("stale"), "{err}");
    assert_eq!(fbx.kept(), kept, "a fresh partial went");
    assert!(!fbx.landed().exists());
}
