//! What every command run against a hostile test double must show, whichever NAS the
//! double speaks: it ends (killed past a generous bound, so only a hang reaches it), no
//! byte on stdout or stderr acts on a terminal, one readable line per message, bounded
//! peak memory, and nothing written outside its target.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::sandbox::{Sandbox, text};

/// The QNAP double takes any password; a Freebox one reads its app token instead.
pub const PASS: &str = "any password 1";

/// Far above what any of these commands needs; only a hang reaches it.
pub const BOUND: Duration = Duration::from_secs(120);

/// Peak memory allowed to the client: the 64 MiB reply cap and the runtime.
pub const MAX_PEAK_KIB: u64 = 400 * 1024;

pub struct Outcome {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub peak_kib: u64,
}

/// Runs the binary to its end (killed past `BOUND`), sampling its peak memory.
pub fn run(sb: &Sandbox, args: &[&str]) -> Outcome {
    let mut cmd: Command = sb.cmd();
    cmd.env("NASCMD_PASSWORD", PASS)
        .env("NASCMD_API_DEADLINE_SECS", "2")
        .env("NASCMD_BODY_WINDOW_SECS", "1")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let pid = child.id();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).unwrap();
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).unwrap();
        v
    });
    let started = Instant::now();
    let mut peak_kib = 0;
    let status = loop {
        // VmHWM is the process's own high-water mark: the last reading is its peak.
        if let Some(kib) = vm_hwm_kib(pid) {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > BOUND {
            let _ = child.kill();
            panic!("nascmd {args:?} still running after {BOUND:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Outcome {
        code: status.code().unwrap_or(-1),
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
        peak_kib,
    }
}

pub fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// No character that would act on a terminal: C0 but `\n` and `\t`, DEL, C1, bidi
/// overrides and isolates.
pub fn assert_terminal_safe(what: &str, bytes: &[u8]) {
    let s = String::from_utf8_lossy(bytes);
    let bad = s.chars().find(|&c| {
        (c < ' ' && c != '\n' && c != '\t')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    });
    assert!(bad.is_none(), "{what} holds {bad:?}: {s:?}");
}

/// Every check each command passes, whatever it was asked.
pub fn assert_well_behaved(o: &Outcome) {
    assert_terminal_safe("stdout", &o.stdout);
    assert_terminal_safe("stderr", &o.stderr);
    assert!(
        o.peak_kib < MAX_PEAK_KIB,
        "peak memory {} KiB; stderr: {}",
        o.peak_kib,
        text(&o.stderr)
    );
    // One readable line per message, however long the names a server sends (a path
    // shortened to 160 characters, a message to 300).
    for line in text(&o.stderr).lines() {
        assert!(
            line.chars().count() <= 500,
            "a {}-character line on stderr",
            line.chars().count()
        );
    }
}

/// Every path below `root`, relative, except those below `inside`.
pub fn paths_outside(root: &Path, inside: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![root.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.starts_with(inside) {
                continue;
            }
            out.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            if p.is_dir() && !p.is_symlink() {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Writes a local file larger than what a loopback connection's buffers take in before
/// the server must read (a few MiB), so an upload of it stalls mid-body; returns its
/// name, relative to the sandbox.
pub fn big_local_file(sb: &Sandbox) -> &'static str {
    std::fs::write(sb.path().join("big.bin"), vec![7u8; 24 << 20]).unwrap();
    "big.bin"
}

/// `nascmd ARGS` must fail (exit 1), behaving well and saying `words` on stderr;
/// returns that stderr.
pub fn fails_saying(sb: &Sandbox, args: &[&str], words: &str) -> String {
    let o = run(sb, args);
    assert_well_behaved(&o);
    let err = text(&o.stderr);
    assert_eq!(o.code, 1, "{args:?}: {err}");
    assert!(err.contains(words), "{words:?} not on stderr: {err}");
    err
}

/// `nascmd ARGS` must end in an error (any exit code but 0), behaving well and saying
/// `words` on stderr; returns that stderr.
pub fn errs_saying(sb: &Sandbox, args: &[&str], words: &str) -> String {
    let o = run(sb, args);
    assert_well_behaved(&o);
    let err = text(&o.stderr);
    assert_ne!(o.code, 0, "{args:?}: {err}");
    assert!(err.contains(words), "{words:?} not on stderr: {err}");
    err
}

/// `ls` of `folder` (the double's hostile names) succeeds, behaving well, shows each of
/// `shown` as a line of its own and reports each of `refused` as skipped; returns
/// stdout and stderr.
pub fn check_names_listed(
    sb: &Sandbox,
    folder: &str,
    shown: &[&str],
    refused: &[&str],
) -> (String, String) {
    let o = run(sb, &["ls", folder]);
    assert_well_behaved(&o);
    assert_eq!(o.code, 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let err = text(&o.stderr);
    for shown in shown {
        assert!(out.lines().any(|l| l == *shown), "{shown:?} missing: {out}");
    }
    for refused in refused {
        assert!(
            err.contains(&format!("skipped {refused}: not a usable file name")),
            "{refused:?} not reported: {err}"
        );
    }
    (out, err)
}

/// The `name` of every entry `ls --json` printed.
pub fn json_names(stdout: &[u8]) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect()
}

/// `get -r` of `folder` (the double's hostile names, a folder `names`) into `work/into`,
/// next to a sentinel folder. The 20 000-byte name cannot be a local file name: that
/// one item fails, the others are done, so the exit code is "partial". Names changed to
/// be terminal-safe are said (`renamed`, the start of one such line), each of `refused`
/// is named, stderr stays short, nothing new appears outside the target (the state
/// folder holds the log), each of `landed` (below the copied folder) holds `hello`, and
/// no local name in it can act on a terminal.
pub fn check_get_r_of_names(
    sb: &Sandbox,
    folder: &str,
    renamed: &str,
    refused: &[&str],
    landed: &[&str],
) {
    // A sentinel folder next to the target: nothing may appear in it or beside it.
    let work = sb.path().join("work");
    std::fs::create_dir_all(work.join("sentinel")).unwrap();
    std::fs::write(work.join("sentinel/keep"), b"keep").unwrap();
    std::fs::create_dir_all(work.join("into")).unwrap();
    let outside = |p: &String| !p.starts_with("state");
    let before_outside: Vec<String> = paths_outside(sb.path(), &work.join("into"))
        .into_iter()
        .filter(outside)
        .collect();
    let sentinel = super::sandbox::snapshot(&work.join("sentinel"));

    let o = run(sb, &["get", "-r", folder, "work/into"]);
    assert_well_behaved(&o);
    let err = text(&o.stderr);
    assert_eq!(o.code, 5, "{err}");
    assert!(err.contains("a local file name holds at most 255"), "{err}");
    assert!(err.contains(renamed), "{err}");
    assert!(err.len() < 16 * 1024, "{} bytes on stderr", err.len());
    for refused in refused {
        assert!(err.contains(refused), "{refused:?} not reported: {err}");
    }

    let after_outside: Vec<String> = paths_outside(sb.path(), &work.join("into"))
        .into_iter()
        .filter(outside)
        .collect();
    assert_eq!(after_outside, before_outside);
    assert_eq!(super::sandbox::snapshot(&work.join("sentinel")), sentinel);

    let got = work.join("into/names");
    for name in landed {
        assert_eq!(std::fs::read(got.join(name)).unwrap(), b"hello", "{name}");
    }
    for e in std::fs::read_dir(&got).unwrap() {
        let name = e.unwrap().file_name();
        assert_terminal_safe("a local file name", name.as_encoded_bytes());
    }
}

/// `get` of `file`, whose body never ends past its listed 10 bytes: it fails as a size
/// mismatch, and nothing near the endless size was ever written (nothing kept).
pub fn check_body_longer_than_listed(sb: &Sandbox, file: &str) {
    std::fs::create_dir(sb.path().join("out")).unwrap();
    fails_saying(
        sb,
        &["get", "--retry-for", "2s", file, "out/"],
        "size mismatch",
    );
    let left: u64 = std::fs::read_dir(sb.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    assert!(left <= 10, "{left} bytes left in the target");
}

/// `get` of `file`, whose body trickles: it fails under the minimum speed.
pub fn check_trickling_body(sb: &Sandbox, file: &str) {
    std::fs::create_dir(sb.path().join("out")).unwrap();
    let args = ["get", "--retry-for", "2s", file, "out/"];
    fails_saying(sb, &args, "less than 1 KiB/s");
}

/// `put` of a big file into `into`, whose server stalls: it fails saying `words`.
/// One attempt (`--retry-for 0s`): what is checked is how that attempt ends; a
/// stalled Freebox upload spends seconds closing its socket, each retry as many again.
pub fn check_stalled_upload(sb: &Sandbox, into: &str, words: &str) {
    let file = big_local_file(sb);
    fails_saying(sb, &["put", "--retry-for", "0s", file, into], words);
}
