//! The real binary against a hostile QNAP (`support::hostile`): every command ends
//! (within generous bounds: the API deadline and the body window are made short through
//! their environment variables), prints no byte that would act on a terminal, writes
//! nothing outside its target, stays within bounded memory, and names what it skipped.

use crate::support;

use support::hostile::{Hostile, MANY_FOLDERS, REFUSED, SHARE, refused_in_many};
use support::hostile_checks::{
    assert_well_behaved, check_body_longer_than_listed, check_get_r_of_names, check_names_listed,
    check_stalled_upload, check_trickling_body, errs_saying, fails_saying, json_names, run,
};
use support::sandbox::{Sandbox, text};

fn sandbox(nas: &Hostile) -> Sandbox {
    let sb = Sandbox::new();
    sb.write_config(&format!(
        "[[remote]]\nname = \"evil\"\nkind = \"qnap\"\nurl = \"{}\"\nuser = \"admin\"\n",
        nas.url
    ));
    sb
}

fn target(scenario: &str) -> String {
    format!("evil:/{SHARE}/{scenario}")
}

#[test]
fn a_listing_claiming_ten_to_the_eighteen_entries_fails_at_once() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    fails_saying(&sb, &["ls", &target("huge_total")], "claims more than");
}

#[test]
fn a_listing_repeating_its_page_stops_with_a_message() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    let repeat = target("repeat");
    for args in [&["ls", &repeat][..], &["get", "-r", &repeat, "out"]] {
        fails_saying(&sb, args, "same page");
    }
}

#[test]
fn a_reply_past_64_mib_fails_without_being_held() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    fails_saying(&sb, &["ls", &target("big_reply")], "larger than 64 MiB");
}

#[test]
fn a_trickling_reply_ends_at_the_api_deadline() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    errs_saying(&sb, &["ls", &target("slow_reply")], "timed out");
}

#[test]
fn hostile_names_list_escaped_and_refused_ones_are_named() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    let shown = [
        "good1.txt",
        "esc\\x1b[2J\\x1b]0;pwned\\x07.txt",
        "c1\\x9b31m.txt",
        "bidi\\u{202e}txt.exe",
        "tab\\tnew\\nline.txt",
        // Not valid UTF-8: shown as its bytes, the folder still lists.
        "bad\\xff\\xfeutf8.txt",
        "py\\xe9.txt",
        "lone\u{fffd}surrogate.txt",
    ];
    check_names_listed(&sb, &target("names"), &shown, REFUSED);
    // --json: the same names, parseable, terminal-safe.
    let o = run(&sb, &["ls", "--json", &target("names")]);
    assert_well_behaved(&o);
    let names = json_names(&o.stdout);
    assert!(names.iter().any(|n| n == "c1\u{9b}31m.txt"), "{names:?}");
}

#[test]
fn get_r_of_hostile_names_writes_only_inside_its_target_with_safe_names() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    // Non-UTF-8 names were fetched by their own bytes (the server is strict), and
    // written with `_` for those bytes.
    let landed = ["good1.txt", "bad__utf8.txt", "py_.txt", "sub/inner.txt"];
    let renamed = "renamed /Public/names/esc\\x1b[2J";
    check_get_r_of_names(&sb, &target("names"), renamed, REFUSED, &landed);
}

#[test]
fn a_body_longer_than_announced_stops_at_its_size_and_fails() {
    let nas = Hostile::start();
    let file = format!("{}/long.bin", target("bodies"));
    check_body_longer_than_listed(&sandbox(&nas), &file);
}

#[test]
fn a_trickling_body_fails_under_the_minimum_speed() {
    let nas = Hostile::start();
    let file = format!("{}/slow.bin", target("bodies"));
    check_trickling_body(&sandbox(&nas), &file);
}

#[test]
fn a_folder_the_nas_cannot_make_is_not_called_a_full_disk() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    let args = ["mkdir", "-p", &target("deep/er/still")];
    let err = errs_saying(&sb, &args, "could not create the folder deep");
    assert!(!err.contains("no space left"), "{err}");
}

#[test]
fn a_path_of_100_kb_is_refused_in_plain_words() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    let long = format!("{}/{}", target("names"), "d/".repeat(50_000));
    let err = errs_saying(&sb, &["ls", &long], "at most 4096");
    assert!(!err.contains("HTTP error"), "{err}");
    assert!(err.len() < 1024, "{} bytes on stderr", err.len());
}

#[test]
fn get_into_a_link_to_a_folder_writes_into_that_folder() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    std::fs::create_dir(sb.path().join("folder")).unwrap();
    std::os::unix::fs::symlink(sb.path().join("folder"), sb.path().join("lnk")).unwrap();
    let file = format!("{}/good1.txt", target("names"));
    let o = run(&sb, &["get", "--overwrite", &file, "lnk/"]);
    assert_well_behaved(&o);
    assert_eq!(o.code, 0, "{}", text(&o.stderr));
    assert!(
        std::fs::symlink_metadata(sb.path().join("lnk"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read(sb.path().join("folder/good1.txt")).unwrap(),
        b"hello"
    );
}

#[test]
fn an_upload_the_nas_does_not_read_fails_under_the_minimum_speed() {
    let nas = Hostile::start();
    let into = format!("{}/", target("uploads"));
    check_stalled_upload(&sandbox(&nas), &into, "less than 1 KiB/s of the upload");
}

#[test]
fn get_r_names_each_skipped_entry_with_its_own_folder() {
    let nas = Hostile::start();
    let sb = sandbox(&nas);
    std::fs::create_dir(sb.path().join("out")).unwrap();
    // The eight folders are listed ahead, several at once.
    let o = run(&sb, &["get", "-r", &target("many"), "out"]);
    assert_well_behaved(&o);
    let err = text(&o.stderr);
    assert_eq!(o.code, 0, "{err}");
    for folder in 0..MANY_FOLDERS {
        assert_eq!(
            std::fs::read(sb.path().join(format!("out/many/d{folder}/good.txt"))).unwrap(),
            b"hello"
        );
        for name in refused_in_many(folder) {
            let line = format!("skipped /{SHARE}/many/d{folder}/{name}: not a usable file name");
            assert_eq!(err.matches(&line).count(), 1, "{line:?}: {err}");
        }
    }
    // Nothing else was called skipped: none doubled, none put under another folder.
    assert_eq!(err.matches("skipped ").count(), 2 * MANY_FOLDERS, "{err}");
}
