//! The real binary against a hostile Freebox (`support::hostile_freebox`): the same
//! checks as against the hostile QNAP (`tests/hostile_server.rs`), through the Freebox
//! backend: every command ends, prints no byte that would act on a terminal, writes
//! nothing outside its target, stays within bounded memory, and names what it skipped.

use crate::support;

use std::os::unix::fs::PermissionsExt;

use support::hostile_checks::{
    assert_well_behaved, check_body_longer_than_listed, check_get_r_of_names, check_names_listed,
    check_stalled_upload, check_trickling_body, errs_saying, fails_saying, json_names, run,
};
use support::hostile_freebox::{DISK, HostileFreebox, REFUSED, Stall};
use support::sandbox::{Sandbox, text};

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

#[test]
fn a_cursor_that_never_changes_stops_the_listing() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    let folder = target("same_cursor");
    for args in [&["ls", &folder][..], &["get", "-r", &folder, "out"]] {
        fails_saying(&sb, args, "repeated a listing cursor");
    }
}

#[test]
fn a_cursor_that_never_ends_with_the_same_page_stops_the_listing() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    let folder = target("endless_cursor");
    for args in [
        &["ls", &folder][..],
        &["ls", "--json", &folder],
        &["get", "-r", &folder, "out"],
    ] {
        fails_saying(&sb, args, "same page");
    }
}

#[test]
fn a_reply_past_64_mib_fails_without_being_held() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    fails_saying(&sb, &["ls", &target("big_reply")], "larger than 64 MiB");
}

#[test]
fn a_trickling_reply_ends_at_the_api_deadline() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    errs_saying(&sb, &["ls", &target("slow_reply")], "timed out");
}

#[test]
fn hostile_names_list_escaped_and_refused_ones_are_named() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    let shown = [
        "good1.txt",
        "esc\\x1b[2J\\x1b]0;pwned\\x07.txt",
        "c1\\x9b31m.txt",
        "bidi\\u{202e}txt.exe",
        "tab\\tnew\\nline.txt",
        // Not valid UTF-8: shown as its bytes, the folder still lists.
        "bad\\xff\\xfeutf8.txt",
        "caf\\xe9.txt",
    ];
    let (out, err) = check_names_listed(&sb, &target("names"), &shown, REFUSED);
    // The box's own `.` and `..` are neither shown nor reported.
    assert!(!out.lines().any(|l| l == "." || l == ".."), "{out}");
    assert!(!err.contains("skipped ..:"), "{err}");

    // --json: the same names, parseable, terminal-safe.
    let o = run(&sb, &["ls", "--json", &target("names")]);
    assert_well_behaved(&o);
    assert_eq!(o.code, 0, "{}", text(&o.stderr));
    let names = json_names(&o.stdout);
    assert!(names.iter().any(|n| n == "c1\u{9b}31m.txt"), "{names:?}");
    assert!(names.iter().any(|n| n == "good2.txt"), "{names:?}");
}

#[test]
fn get_r_of_hostile_names_writes_only_inside_its_target_with_safe_names() {
    let nas = HostileFreebox::start();
    let sb = sandbox(&nas);
    // Non-UTF-8 names were fetched by their own bytes (the server is strict), and
    // written with `_` for those bytes.
    let landed = ["good1.txt", "bad__utf8.txt", "caf_.txt", "sub/inner.txt"];
    let renamed = format!("renamed /{DISK}/names/esc\\x1b[2J");
    check_get_r_of_names(&sb, &target("names"), &renamed, REFUSED, &landed);
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
        errs_saying(&sb, &["ls", &target("names")], "timed out");
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
