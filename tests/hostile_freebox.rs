//! The real binary against a hostile Freebox (`support::hostile_freebox`): the same
//! checks as against the hostile QNAP (`tests/hostile_server.rs`), through the Freebox
//! backend: every command ends, prints no byte that would act on a terminal, writes
//! nothing outside its target, stays within bounded memory, and names what it skipped.

use crate::support;

use std::os::unix::fs::PermissionsExt;

use support::hostile_checks::{
    Outcome, assert_terminal_safe, assert_well_behaved, check_body_longer_than_listed,
    check_stalled_upload, check_trickling_body, paths_outside, run,
};
use support::hostile_freebox::{DISK, HostileFreebox, REFUSED, Stall};
use support::sandbox::{Sandbox, snapshot, text};

/// A sandbox with the double as the `freebox` remote `evil`, its app token stored (the
/// double takes any token).
fn sandbox(nas: &HostileFreebox) -> Sandbox {
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "[[remote]]\nname = \"evil\"\nkind = \"freebox\"\nurl = \"{}\"\n",
        nas.url
    ));
    let secrets = sb.config_dir().join("secrets.toml");
    std::fs::write(
        &secrets,
        "[remote.evil]\napp_token = \"hostile-app-token\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    sb
}

fn target(scenario: &str) -> String {
    format!("evil:/{DISK}/{scenario}")
}

fn stderr_has(o: &Outcome, words: &str) {
    let err = text(&o.stderr);
    assert!(err.contains(words), "{words:?} not on stderr: {err}");
}

#[test]
fn a_cursor_that_never_changes_stops_the_listing() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    for args in [
        vec!["ls".to_owned(), target("same_cursor")],
        vec![
            "get".into(),
            "-r".into(),
            target("same_cursor"),
            "out".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&sb, &args);
        assert_well_behaved(&o);
        assert_eq!(o.code, 1, "{args:?}: {}", text(&o.stderr));
        stderr_has(&o, "repeated a listing cursor");
    }
}

#[test]
fn a_cursor_that_never_ends_with_the_same_page_stops_the_listing() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    for args in [
        vec!["ls".to_owned(), target("endless_cursor")],
        vec!["ls".to_owned(), "--json".into(), target("endless_cursor")],
        vec![
            "get".into(),
            "-r".into(),
            target("endless_cursor"),
            "out".into(),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&sb, &args);
        assert_well_behaved(&o);
        assert_eq!(o.code, 1, "{args:?}: {}", text(&o.stderr));
        stderr_has(&o, "same page");
    }
}

#[test]
fn a_reply_past_64_mib_fails_without_being_held() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    let o = run(&sb, &["ls", &target("big_reply")]);
    assert_well_behaved(&o);
    assert_eq!(o.code, 1, "{}", text(&o.stderr));
    stderr_has(&o, "larger than 64 MiB");
}

#[test]
fn a_trickling_reply_ends_at_the_api_deadline() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    let o = run(&sb, &["ls", &target("slow_reply")]);
    assert_well_behaved(&o);
    assert_ne!(o.code, 0, "{}", text(&o.stderr));
    stderr_has(&o, "timed out");
}

#[test]
fn hostile_names_list_escaped_and_refused_ones_are_named() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    let o = run(&sb, &["ls", &target("names")]);
    assert_well_behaved(&o);
    assert_eq!(o.code, 0, "{}", text(&o.stderr));
    let out = text(&o.stdout);
    let err = text(&o.stderr);
    for shown in [
        "good1.txt",
        "esc\\x1b[2J\\x1b]0;pwned\\x07.txt",
        "c1\\x9b31m.txt",
        "bidi\\u{202e}txt.exe",
        "tab\\tnew\\nline.txt",
        // Not valid UTF-8: shown as its bytes, the folder still lists.
        "bad\\xff\\xfeutf8.txt",
        "caf\\xe9.txt",
    ] {
        assert!(out.lines().any(|l| l == shown), "{shown:?} missing: {out}");
    }
    for refused in REFUSED {
        assert!(
            err.contains(&format!("skipped {refused}: not a usable file name")),
            "{refused:?} not reported: {err}"
        );
    }
    // The box's own `.` and `..` are neither shown nor reported.
    assert!(!out.lines().any(|l| l == "." || l == ".."), "{out}");
    assert!(!err.contains("skipped ..:"), "{err}");

    // --json: the same names, parseable, terminal-safe.
    let o = run(&sb, &["ls", "--json", &target("names")]);
    assert_well_behaved(&o);
    assert_eq!(o.code, 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"c1\u{9b}31m.txt"), "{names:?}");
    assert!(names.contains(&"good2.txt"), "{names:?}");
}

#[test]
fn get_r_of_hostile_names_writes_only_inside_its_target_with_safe_names() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
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
    let sentinel = snapshot(&work.join("sentinel"));

    let o = run(&sb, &["get", "-r", &target("names"), "work/into"]);
    assert_well_behaved(&o);
    let err = text(&o.stderr);
    // The 20 000-byte name cannot be a local file name: that one item fails, the others
    // are done, so the exit code is "partial".
    assert_eq!(o.code, 5, "{err}");
    assert!(err.contains("a local file name holds at most 255"), "{err}");
    assert!(
        err.contains(&format!("renamed /{DISK}/names/esc\\x1b[2J")),
        "{err}"
    );
    assert!(err.len() < 16 * 1024, "{} bytes on stderr", err.len());
    for refused in REFUSED {
        assert!(err.contains(refused), "{refused:?} not reported: {err}");
    }

    // Nothing new outside the target (the state folder holds the log).
    let after_outside: Vec<String> = paths_outside(sb.path(), &work.join("into"))
        .into_iter()
        .filter(outside)
        .collect();
    assert_eq!(after_outside, before_outside);
    assert_eq!(snapshot(&work.join("sentinel")), sentinel);

    // The good files came, and no local name can act on a terminal.
    let got = work.join("into/names");
    assert_eq!(std::fs::read(got.join("good1.txt")).unwrap(), b"hello");
    // Names that are not UTF-8 were fetched by their own bytes (the server is strict),
    // and written with `_` for those bytes.
    assert_eq!(std::fs::read(got.join("bad__utf8.txt")).unwrap(), b"hello");
    assert_eq!(std::fs::read(got.join("caf_.txt")).unwrap(), b"hello");
    assert_eq!(std::fs::read(got.join("sub/inner.txt")).unwrap(), b"hello");
    for e in std::fs::read_dir(&got).unwrap() {
        let name = e.unwrap().file_name();
        assert_terminal_safe("a local file name", name.as_encoded_bytes());
    }
}

#[test]
fn a_body_longer_than_listed_stops_at_its_size_and_fails() {
    let nas = HostileFreebox::start();
    let file = format!("{}/long.bin", target("bodies"));
    check_body_longer_than_listed(&sandbox(&nas), &file);
}

#[test]
fn a_trickling_body_fails_under_the_minimum_speed() {
    let nas = HostileFreebox::start();
    let file = format!("{}/slow.bin", target("bodies"));
    check_trickling_body(&sandbox(&nas), &file);
}

#[test]
fn a_trickling_discovery_or_login_ends_at_the_api_deadline() {
    for stall in [Stall::ApiVersion, Stall::LoginChallenge] {
        let nas = HostileFreebox::stalling(stall);
        let sb = sandbox(&nas);
        let o = run(&sb, &["ls", &target("names")]);
        assert_well_behaved(&o);
        assert_ne!(o.code, 0, "{stall:?}: {}", text(&o.stderr));
        stderr_has(&o, "timed out");
    }
}

#[test]
fn an_upload_the_box_does_not_read_fails_under_the_minimum_speed() {
    let nas = HostileFreebox::start();
    let into = format!("{}/", target("uploads"));
    check_stalled_upload(&sandbox(&nas), &into, "less than 1 KiB/s of the upload");
}

#[test]
fn an_upload_connection_never_upgraded_ends_at_the_api_deadline() {
    let nas = HostileFreebox::stalling(Stall::UploadUpgrade);
    let into = format!("{}/", target("uploads"));
    let words = "did not open the upload connection within 2 s";
    check_stalled_upload(&sandbox(&nas), &into, words);
}
