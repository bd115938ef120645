//! `--verify hash` end to end, the real binary against the emulators: the sha256 the
//! Freebox computes (`fs/hash`) is compared with the local one after a get and a put; a
//! download corrupted in flight (same size), and an upload stored corrupted, are
//! caught, and nothing is left under the final name nor as a temporary; a QNAP, which computes none, is checked by size and
//! the command says so (here from the config's `[jobs] verify`).

use crate::support;

use nascmd::emulator::RunningEmulator;
use nascmd::emulator::faults::FaultConfig;
use nascmd::emulator::freebox::FreeboxEmulatorConfig;
use nascmd::emulator::qnap::QnapEmulatorConfig;
use nascmd::emulator::request_log::RequestLog;
use support::freebox::pattern;
use support::sandbox::{Sandbox, code, ok, text};

const SIZE_ONLY: &str = "verified by size (the NAS computes no checksum)";

/// A Freebox emulator over a temp disk, its request log kept, and a sandbox with the
/// registered remote `box`.
struct Freebox {
    rt: tokio::runtime::Runtime,
    emu: Option<RunningEmulator>,
    disk: tempfile::TempDir,
    log: RequestLog,
    sb: Sandbox,
}

impl Freebox {
    fn start(faults: FaultConfig) -> Self {
        let disk = tempfile::tempdir().unwrap();
        let rt = support::runtime();
        let mut cfg = FreeboxEmulatorConfig::new(disk.path());
        cfg.faults = faults;
        let log = cfg.request_log.clone();
        let emu = rt.block_on(nascmd::emulator::freebox::spawn(cfg)).unwrap();
        let sb = Sandbox::new();
        ok(&sb.run(&["remote", "add", "box", "--freebox", &emu.base_url]));
        Freebox {
            rt,
            emu: Some(emu),
            disk,
            log,
            sb,
        }
    }

    /// `fs/hash` requests since the start.
    fn hash_requests(&self) -> usize {
        let lines = self.log.lines();
        lines.iter().filter(|l| l.contains("/fs/hash")).count()
    }
}

impl Drop for Freebox {
    fn drop(&mut self) {
        if let Some(e) = self.emu.take() {
            let _ = self.rt.block_on(e.shutdown());
        }
    }
}

fn names_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn put_and_get_compare_the_freebox_sha256() {
    let fbx = Freebox::start(FaultConfig::default());
    let sb = &fbx.sb;
    let data = pattern(3 * 1024 * 1024 + 17, 7);
    std::fs::write(sb.path().join("big.bin"), &data).unwrap();

    let o = sb.run(&["put", "--verify", "hash", "big.bin", "box:/Disque dur/"]);
    ok(&o);
    assert_eq!(
        std::fs::read(fbx.disk.path().join("big.bin")).unwrap(),
        data
    );
    assert_eq!(names_in(fbx.disk.path()), ["big.bin"]);
    let after_put = fbx.hash_requests();
    assert!(after_put >= 1, "no fs/hash call: {:?}", fbx.log.lines());
    assert!(!text(&o.stderr).contains(SIZE_ONLY), "{}", text(&o.stderr));

    std::fs::create_dir(sb.path().join("back")).unwrap();
    let o = sb.run(&["get", "--verify", "hash", "box:/Disque dur/big.bin", "back"]);
    ok(&o);
    assert_eq!(std::fs::read(sb.path().join("back/big.bin")).unwrap(), data);
    assert_eq!(names_in(&sb.path().join("back")), ["big.bin"]);
    assert!(fbx.hash_requests() > after_put, "{:?}", fbx.log.lines());
    // The hash tasks are deleted once read: none lingers on the box.
    assert!(
        fbx.log
            .lines()
            .iter()
            .any(|l| l.starts_with("DELETE") && l.contains("/fs/tasks/")),
        "{:?}",
        fbx.log.lines()
    );

    // By size (the default), the box is not asked.
    let before = fbx.hash_requests();
    std::fs::create_dir(sb.path().join("again")).unwrap();
    ok(&sb.run(&["get", "box:/Disque dur/big.bin", "again"]));
    assert_eq!(fbx.hash_requests(), before);
}

#[test]
fn a_download_corrupted_in_flight_is_caught_and_leaves_nothing() {
    let fbx = Freebox::start(FaultConfig {
        corrupt_download_at: Some(1000),
        ..FaultConfig::default()
    });
    let sb = &fbx.sb;
    let data = pattern(200_000, 3);
    std::fs::write(fbx.disk.path().join("doc.bin"), &data).unwrap();

    // By size alone, the altered byte goes unseen: this is what the fault does.
    std::fs::create_dir(sb.path().join("plain")).unwrap();
    ok(&sb.run(&["get", "box:/Disque dur/doc.bin", "plain"]));
    let got = std::fs::read(sb.path().join("plain/doc.bin")).unwrap();
    assert_eq!(got.len(), data.len());
    assert_ne!(got, data);

    std::fs::create_dir(sb.path().join("checked")).unwrap();
    let o = sb.run(&[
        "get",
        "--verify",
        "hash",
        "box:/Disque dur/doc.bin",
        "checked",
    ]);
    assert_ne!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("checksum differs after transfer"), "{err}");
    // Nothing under the final name, no temporary, no resume record.
    assert_eq!(names_in(&sb.path().join("checked")), Vec::<String>::new());
}

#[test]
fn an_upload_stored_corrupted_is_caught_and_leaves_nothing() {
    let fbx = Freebox::start(FaultConfig {
        corrupt_upload_at: Some(1000),
        ..FaultConfig::default()
    });
    let sb = &fbx.sb;
    let data = pattern(200_000, 4);
    std::fs::write(sb.path().join("doc.bin"), &data).unwrap();
    for dir in ["plain", "checked"] {
        std::fs::create_dir(fbx.disk.path().join(dir)).unwrap();
    }

    // By size alone, the altered byte goes unseen: this is what the fault does.
    ok(&sb.run(&["put", "doc.bin", "box:/Disque dur/plain/"]));
    let got = std::fs::read(fbx.disk.path().join("plain/doc.bin")).unwrap();
    assert_eq!(got.len(), data.len());
    assert_ne!(got, data);

    let o = sb.run(&[
        "put",
        "--verify",
        "hash",
        "doc.bin",
        "box:/Disque dur/checked/",
    ]);
    assert_ne!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("checksum differs after transfer"), "{err}");
    // Nothing under the final name, no temporary, no partial upload kept by the box.
    assert_eq!(
        names_in(&fbx.disk.path().join("checked")),
        Vec::<String>::new()
    );
}

#[test]
fn a_qnap_is_checked_by_size_and_the_command_says_so() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("Public")).unwrap();
    let rt = support::runtime();
    let cfg = QnapEmulatorConfig::new(root.path(), "alice", "pw 7");
    let emu = rt.block_on(nascmd::emulator::qnap::spawn(cfg)).unwrap();
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "[jobs]\nverify = \"hash\"\n\n[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"alice\"\n",
        emu.base_url
    ));
    std::fs::write(sb.path().join("a.txt"), b"hello").unwrap();
    std::fs::write(sb.path().join("b.txt"), b"world").unwrap();
    let o = sb
        .cmd()
        .args(["put", "a.txt", "b.txt", "nas:/Public/"])
        .env("NASCMD_PASSWORD", "pw 7")
        .output()
        .unwrap();
    ok(&o);
    let err = text(&o.stderr);
    assert_eq!(err.matches(SIZE_ONLY).count(), 1, "{err}");
    assert_eq!(
        std::fs::read(root.path().join("Public/b.txt")).unwrap(),
        b"world"
    );
    let _ = rt.block_on(emu.shutdown());
}
