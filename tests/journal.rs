//! The job journal (`jobs::journal`) through the real binary and the QNAP emulator
//! behind a byte-counting relay that stalls midway: a `get -r` and a `put` killed with
//! SIGKILL, then the same command again. The rerun says how far the journal got, does
//! not send again what was verified (an existing file would otherwise be refused
//! without `--overwrite`), continues the chunked upload the NAS kept, and leaves no
//! journal, temporary or upload cache behind. The journal is the owner's only and
//! holds no secret.
//!
//! Sizes: a 64 MiB file (a debug build moves it in a few seconds); the relay stalls
//! after 40 MiB.

use crate::support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use support::relayed_qnap::{PASS, RelayedQnap, held_for, jobs_dir, kill_when, pattern};
use support::resume_record::{Stable, recorded};
use support::sandbox::{Sandbox, ok, text};

const MIB: u64 = 1 << 20;
const LEN: u64 = 64 * MIB;
const STALL_AT: u64 = 40 * MIB;
/// How long a run may take to get where it is killed.
const KILL_LIMIT: Duration = Duration::from_secs(180);

/// The journal files of the sandbox.
fn journals(sb: &Sandbox) -> Vec<PathBuf> {
    std::fs::read_dir(jobs_dir(sb))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "journal"))
                .collect()
        })
        .unwrap_or_default()
}

/// The text of the one journal, if there is one.
fn journal_text(sb: &Sandbox) -> Option<String> {
    let files = journals(sb);
    let [one] = files.as_slice() else {
        return None;
    };
    std::fs::read_to_string(one).ok()
}

/// The journal is the owner's only (folder too) and holds no secret.
fn assert_journal_private(sb: &Sandbox) {
    use std::os::unix::fs::PermissionsExt;
    let dir_mode = std::fs::metadata(jobs_dir(sb))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    let files = journals(sb);
    assert_eq!(files.len(), 1, "{files:?}");
    for path in files {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in [PASS, "sid", "token", "password", "pwd"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
}

/// Files whose names start with nascmd's temporary prefix, anywhere below `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let Ok(rd) = std::fs::read_dir(dir) else {
        return found;
    };
    for e in rd.filter_map(Result::ok) {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with(".nascmd-part-") {
            found.push(name);
        } else if e.path().is_dir() {
            found.extend(temporaries(&e.path()));
        }
    }
    found
}

#[test]
fn a_killed_get_is_taken_up_by_the_same_command_without_fetching_done_files_again() {
    let nas = RelayedQnap::start("Public");
    let set = nas.public().join("set");
    std::fs::create_dir(&set).unwrap();
    for (i, name) in ["a.txt", "b.txt", "c.txt"].iter().enumerate() {
        std::fs::write(set.join(name), pattern(100_000, i as u8)).unwrap();
    }
    std::fs::write(set.join("z-big.bin"), pattern(LEN, 9)).unwrap();
    let sb = nas.sandbox();
    // One file at a time, the big one last (names sort so): the relay stalls every
    // connection once STALL_AT went down, so the small files must be done before.
    let args = ["get", "-r", "--jobs", "1", "nas:/Public/set", "down/"];

    nas.relay.reset();
    nas.relay.stall_after(STALL_AT);
    let child = nas.nascmd_quiet(&sb, &args).spawn().unwrap();
    let down = sb.path().join("down/set");
    // Killed once the relay stalled, the small files are done and the big file's
    // record stopped moving: how many streams fetch it (one on a quiet loopback, more
    // when a busy machine makes the loopback look like a link) decides how far behind
    // the stall the record stays, so the rerun is checked against what it claims.
    let mut claim = Stable::default();
    kill_when(
        child,
        "the small files done and the big one stalled, its record settled",
        KILL_LIMIT,
        || {
            nas.relay.down() >= STALL_AT
                && journal_text(&sb).is_some_and(|t| t.matches("\"done\"").count() == 3)
                && claim.settled(recorded(&down), Duration::from_secs(3))
        },
    );
    let claimed = recorded(&down).expect("the big file's record");
    assert!(claimed >= 8 * MIB, "the record claims only {claimed} bytes");
    assert_journal_private(&sb);
    assert!(
        !temporaries(&down).is_empty(),
        "the kill left no partial file"
    );

    nas.relay.reset();
    let out = nas.nascmd(&sb, &args).output().unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(
        err.contains("resuming: 3 of 4 items already done"),
        "stderr: {err}"
    );
    let fetched = nas.relay.down();
    eprintln!("the rerun fetched {fetched} bytes");
    // What the record claims is not fetched again (the slack: requests, headers).
    assert!(
        fetched <= LEN - claimed + MIB / 4,
        "fetched {fetched} bytes again, though {claimed} were on record"
    );
    for name in ["a.txt", "b.txt", "c.txt", "z-big.bin"] {
        assert!(
            std::fs::read(down.join(name)).unwrap() == std::fs::read(set.join(name)).unwrap(),
            "{name} differs"
        );
    }
    assert_eq!(temporaries(&down), Vec::<String>::new());
    assert_eq!(journals(&sb), Vec::<PathBuf>::new(), "the journal stayed");
}

/// Runs the put until the upload stalled at `STALL_AT` with its id in the journal,
/// then kills it.
fn kill_put_midway(nas: &RelayedQnap, sb: &Sandbox, args: &[&str]) {
    nas.relay.reset();
    nas.relay.stall_up_after(STALL_AT);
    let child = nas.nascmd_quiet(sb, args).spawn().unwrap();
    let mut stalled_since: Option<Instant> = None;
    kill_when(
        child,
        "the upload stalled and journaled",
        KILL_LIMIT,
        || {
            let stalled = nas.relay.up() >= STALL_AT
                && journal_text(sb).is_some_and(|t| t.contains("\"upload\""));
            // Give the NAS a moment to take in what the relay let through.
            held_for(stalled, &mut stalled_since, Duration::from_millis(300))
        },
    );
    // A killed client's connections close at once; the relay holds the stalled one
    // open until told. Close it, and let the NAS take in the cut chunk (a rerun asking
    // before then would meet two writers of one upload, which no real kill makes).
    nas.relay.reset();
    wait_for_cache_to_settle(nas);
    assert_journal_private(sb);
    assert!(!nas.upload_cache().is_empty(), "the NAS kept nothing");
}

/// Waits until the bytes in the NAS's upload cache stop changing.
fn wait_for_cache_to_settle(nas: &RelayedQnap) {
    let held = || -> u64 {
        std::fs::read_dir(nas.public().join(".@upload_cache"))
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| e.metadata().ok())
                    .map(|m| m.len())
                    .sum()
            })
            .unwrap_or(0)
    };
    let mut last = held();
    let mut same = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    while same < 3 {
        assert!(Instant::now() < deadline, "the upload cache never settled");
        std::thread::sleep(Duration::from_millis(200));
        let now = held();
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
}

#[test]
fn a_killed_put_goes_on_with_the_chunked_upload_the_nas_kept_unless_the_source_changed() {
    let nas = RelayedQnap::start("Public");
    let sb = nas.sandbox();
    let src = sb.path().join("up.bin");
    std::fs::write(&src, pattern(LEN, 5)).unwrap();
    let args = ["put", "up.bin", "nas:/Public/"];

    kill_put_midway(&nas, &sb, &args);
    nas.relay.reset();
    let out = nas.nascmd(&sb, &args).output().unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("resuming: 0 of 1 items already done"), "{err}");
    let sent = nas.relay.up();
    eprintln!("the rerun sent {sent} bytes");
    assert!(
        sent <= LEN - STALL_AT + 2 * MIB,
        "sent {sent} bytes again after {STALL_AT} went up"
    );
    let landed = nas.public().join("up.bin");
    assert!(std::fs::read(&landed).unwrap() == std::fs::read(&src).unwrap());
    assert_eq!(nas.upload_cache(), Vec::<String>::new());
    assert_eq!(temporaries(&nas.public()), Vec::<String>::new());
    assert_eq!(journals(&sb), Vec::<PathBuf>::new(), "the journal stayed");

    // Killed again, then the source changes: the kept upload is worthless, so it is
    // dropped on the NAS and the file sent whole.
    std::fs::remove_file(&landed).unwrap();
    kill_put_midway(&nas, &sb, &args);
    let f = std::fs::File::options().write(true).open(&src).unwrap();
    std::io::Write::write_all(&mut &f, &pattern(LEN, 6)).unwrap();
    f.set_modified(SystemTime::now() + Duration::from_secs(3600))
        .unwrap();
    drop(f);
    nas.relay.reset();
    ok(&nas.nascmd(&sb, &args).output().unwrap());
    assert!(nas.relay.up() >= LEN, "went on with a changed source");
    assert!(std::fs::read(&landed).unwrap() == std::fs::read(&src).unwrap());
    assert_eq!(nas.upload_cache(), Vec::<String>::new());
    assert_eq!(journals(&sb), Vec::<PathBuf>::new());
}

#[test]
fn no_resume_drops_the_journal_and_starts_over() {
    let nas = RelayedQnap::start("Public");
    let sb = nas.sandbox();
    let src = sb.path().join("up.bin");
    std::fs::write(&src, pattern(LEN, 7)).unwrap();
    let args = ["put", "up.bin", "nas:/Public/"];

    kill_put_midway(&nas, &sb, &args);
    nas.relay.reset();
    let out = nas.nascmd(&sb, &args).arg("--no-resume").output().unwrap();
    ok(&out);
    assert!(!text(&out.stderr).contains("resuming"));
    assert!(nas.relay.up() >= LEN, "--no-resume went on");
    assert!(std::fs::read(nas.public().join("up.bin")).unwrap() == std::fs::read(&src).unwrap());
    assert_eq!(
        nas.upload_cache(),
        Vec::<String>::new(),
        "the kept upload stayed"
    );
    assert_eq!(journals(&sb), Vec::<PathBuf>::new());
}
