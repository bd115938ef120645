//! The non-interactive subcommands, run as the real binary with a private config folder.

use crate::support;

use std::os::unix::fs::PermissionsExt;

use support::sandbox::{Sandbox, code, make_tree, ok, snapshot, text};

#[test]
fn ls_plain_long_and_json() {
    let sb = Sandbox::new();
    let d = sb.path().join("data");
    make_tree(&d);
    let o = sb.run(&["ls", "data"]);
    ok(&o);
    assert_eq!(text(&o.stdout), "a.txt\nempty\nother\nsub\n");

    let o = sb.run(&["ls", "--long", d.to_str().unwrap()]);
    ok(&o);
    let out = text(&o.stdout);
    let sub_line = out.lines().find(|l| l.ends_with(" sub")).unwrap();
    assert!(sub_line.starts_with('d'), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with('-') && l.contains(" 10 ")),
        "{out}"
    );

    let o = sb.run(&["ls", "--json", "data/sub"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v.as_array().unwrap();
    let b = items.iter().find(|i| i["name"] == "b.bin").unwrap();
    assert_eq!(b["kind"], "file");
    assert_eq!(b["size"], 300_000);
    assert!(b["mtime"].as_i64().unwrap() > 1_600_000_000);
    let deeper = items.iter().find(|i| i["name"] == "deeper").unwrap();
    assert_eq!(deeper["kind"], "dir");
    // Nothing on stderr for a successful command.
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
}

/// A name holding a C1 CSI (U+009B), DEL and a bidi override reaches `--json` output as
/// `\u` escapes, never as raw characters a terminal would act on, and parses back to
/// the very name (#16).
/// `ls` sweeps what it lists like a job sweeps what it writes into: a temporary of
/// nascmd's naming left for two days goes, and stderr says so; stdout stays the listing.
#[test]
fn ls_removes_abandoned_temporaries_and_says_so() {
    let sb = Sandbox::new();
    let d = sb.path().join("data");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("kept.txt"), b"k").unwrap();
    let old = d.join(".nascmd-part-0badc0de-movie.mkv");
    std::fs::write(&old, vec![0u8; 2048]).unwrap();
    let f = std::fs::File::options().write(true).open(&old).unwrap();
    f.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(3 * 86400))
        .unwrap();
    let o = sb.run(&["ls", "data"]);
    ok(&o);
    assert_eq!(text(&o.stdout), "kept.txt\n");
    assert!(
        text(&o.stderr).contains("removed 1 stale temporary file from")
            && text(&o.stderr).contains("2 KiB freed"),
        "{}",
        text(&o.stderr)
    );
    assert!(!old.exists());
}

#[test]
fn ls_and_search_json_escape_terminal_controls() {
    let sb = Sandbox::new();
    let d = sb.path().join("hostile");
    std::fs::create_dir_all(&d).unwrap();
    let name = "a\u{9b}2Jb\u{7f}c\u{202e}gpj.txt";
    std::fs::write(d.join(name), b"x").unwrap();
    for args in [
        vec!["ls", "--json", "hostile"],
        vec!["search", "--json", "hostile", "gpj"],
    ] {
        let o = sb.run(&args);
        ok(&o);
        let out = text(&o.stdout);
        for bad in ['\u{9b}', '\u{7f}', '\u{202e}'] {
            assert!(!out.contains(bad), "{args:?} wrote {bad:?} raw: {out:?}");
        }
        assert!(out.contains("\\u009b") && out.contains("\\u202e"), "{out}");
        let first = out.lines().next().unwrap();
        let v: serde_json::Value = serde_json::from_str(first).unwrap();
        let got = if v.is_array() {
            &v[0]["name"]
        } else {
            &v["name"]
        };
        assert_eq!(got, name);
    }
}

#[test]
fn local_round_trip_cp_mv_rm_mkdir() {
    let sb = Sandbox::new();
    let src = sb.path().join("src");
    make_tree(&src);
    let want = snapshot(&src);

    // cp -r into a new folder name (single source: the name is the new name).
    ok(&sb.run(&["cp", "-r", "src", "copy"]));
    assert_eq!(snapshot(&sb.path().join("copy")), want);

    // mkdir -p, then cp of several sources into it.
    ok(&sb.run(&["mkdir", "-p", "dest/x/y"]));
    assert!(sb.path().join("dest/x/y").is_dir());
    ok(&sb.run(&["cp", "-r", "copy/sub", "copy/a.txt", "dest/x/y"]));
    assert_eq!(
        std::fs::read(sb.path().join("dest/x/y/a.txt")).unwrap(),
        std::fs::read(src.join("a.txt")).unwrap()
    );
    assert_eq!(
        snapshot(&sb.path().join("dest/x/y/sub")),
        snapshot(&src.join("sub"))
    );

    // mv -r: the target has everything, the source is gone.
    ok(&sb.run(&["mv", "-r", "copy", "moved"]));
    assert!(!sb.path().join("copy").exists());
    assert_eq!(snapshot(&sb.path().join("moved")), want);

    // rm -r removes; rm without -r refuses a folder.
    let o = sb.run(&["rm", "moved"]);
    assert_ne!(code(&o), 0);
    assert!(text(&o.stderr).contains("use -r"), "{}", text(&o.stderr));
    assert!(sb.path().join("moved").exists());
    ok(&sb.run(&["rm", "-r", "moved", "dest"]));
    assert!(!sb.path().join("moved").exists());
    assert!(!sb.path().join("dest").exists());
    // The source tree was never touched.
    assert_eq!(snapshot(&src), want);
}

#[test]
fn conflicts_need_a_flag() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("new.txt"), b"new").unwrap();
    std::fs::create_dir(sb.path().join("d")).unwrap();
    std::fs::write(sb.path().join("d/new.txt"), b"old").unwrap();

    // No flag: nothing overwritten, reported; nothing was done, so a plain failure.
    let o = sb.run(&["cp", "new.txt", "d"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("--overwrite"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(std::fs::read(sb.path().join("d/new.txt")).unwrap(), b"old");
    // One refused, one done: partial.
    std::fs::write(sb.path().join("other.txt"), b"o").unwrap();
    let o = sb.run(&["cp", "new.txt", "other.txt", "d"]);
    assert_eq!(code(&o), 5, "{}", text(&o.stderr));
    assert_eq!(std::fs::read(sb.path().join("d/other.txt")).unwrap(), b"o");

    ok(&sb.run(&["cp", "--skip", "new.txt", "d"]));
    assert_eq!(std::fs::read(sb.path().join("d/new.txt")).unwrap(), b"old");

    ok(&sb.run(&["cp", "--overwrite", "new.txt", "d"]));
    assert_eq!(std::fs::read(sb.path().join("d/new.txt")).unwrap(), b"new");

    // Onto itself or into itself: refused, nothing lost (a move would delete the only
    // copy otherwise).
    for args in [
        &["mv", "--overwrite", "d/new.txt", "d"][..],
        &["mv", "--overwrite", "d/new.txt", "d/new.txt"],
        &["cp", "-r", "d", "d/inner"],
    ] {
        let o = sb.run(args);
        assert_eq!(code(&o), 1, "{args:?}: {}", text(&o.stderr));
        assert_eq!(std::fs::read(sb.path().join("d/new.txt")).unwrap(), b"new");
    }
    assert!(!sb.path().join("d/inner").exists());
}

#[test]
fn a_mistyped_subcommand_is_named_with_the_nearest_one() {
    let sb = Sandbox::new();
    let o = sb.run(&["sahre"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("unrecognized subcommand 'sahre'"), "{err}");
    assert!(err.contains("'share'"), "{err}");
    assert!(!err.contains("cannot open"), "{err}");
}

#[test]
fn exit_codes_not_found_and_partial() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("here.txt"), b"x").unwrap();
    std::fs::create_dir(sb.path().join("d")).unwrap();

    let o = sb.run(&["ls", "missing"]);
    assert_eq!(code(&o), 3);
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not found"), "{err}");

    let o = sb.run(&["cp", "missing.txt", "d"]);
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));

    // One source missing, one fine: partial failure, the good one copied.
    let o = sb.run(&["cp", "missing.txt", "here.txt", "d"]);
    assert_eq!(code(&o), 5, "{}", text(&o.stderr));
    assert!(sb.path().join("d/here.txt").exists());

    // A mistyped remote name is an error, not a new local folder.
    let o = sb.run(&["cp", "here.txt", "nsa:/Public"]);
    assert_eq!(code(&o), 1);
    assert!(text(&o.stderr).contains("no remote profile named"));
    assert!(!sb.path().join("nsa:").exists());
    // …but an existing local file with a colon is just a file.
    std::fs::write(sb.path().join("notes:2024.txt"), b"n").unwrap();
    ok(&sb.run(&["cp", "notes:2024.txt", "d"]));
    assert_eq!(
        std::fs::read(sb.path().join("d/notes:2024.txt")).unwrap(),
        b"n"
    );
}

#[test]
fn no_progress_output_when_stderr_is_not_a_terminal() {
    let sb = Sandbox::new();
    let big = sb.path().join("big.bin");
    std::fs::write(&big, vec![7u8; 8 << 20]).unwrap();
    std::fs::create_dir(sb.path().join("d")).unwrap();
    let o = sb.run(&["cp", "big.bin", "d"]);
    ok(&o);
    // Not a terminal: no bar, no carriage returns, no summary; stdout empty too.
    assert!(o.stderr.is_empty(), "{:?}", text(&o.stderr));
    assert!(o.stdout.is_empty(), "{:?}", text(&o.stdout));
    assert_eq!(
        std::fs::read(sb.path().join("d/big.bin")).unwrap().len(),
        8 << 20
    );
}

#[test]
fn search_finds_nested_names() {
    let sb = Sandbox::new();
    make_tree(&sb.path().join("t"));
    let o = sb.run(&["search", "t", "CAT"]);
    ok(&o);
    let out = text(&o.stdout);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.trim_end().ends_with("/t/sub/deeper/deepest/cat.jpg"),
        "{out}"
    );
    let o = sb.run(&["search", "--json", "t", "*.txt"]);
    ok(&o);
    let names: Vec<String> = text(&o.stdout)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["name"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(names, vec!["a.txt", "c d é.txt"]);
}

#[test]
fn remote_list_and_remove_of_unknown() {
    let sb = Sandbox::new();
    let o = sb.run(&["remote", "list"]);
    ok(&o);
    assert!(o.stdout.is_empty());
    let o = sb.run(&["remote", "list", "--json"]);
    ok(&o);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v, serde_json::json!([]));
    let o = sb.run(&["remote", "remove", "nope"]);
    assert_eq!(code(&o), 3);
}

#[test]
fn a_world_readable_secrets_file_is_refused() {
    let sb = Sandbox::new();
    std::fs::create_dir_all(sb.config_dir()).unwrap();
    let p = sb.config_dir().join("secrets.toml");
    std::fs::write(&p, "[remote.nas]\npassword = \"hunter2\"\n").unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = sb.run(&["remote", "list"]);
    assert_ne!(code(&o), 0);
    let err = text(&o.stderr);
    assert!(err.contains("chmod 600"), "{err}");
    assert!(!err.contains("hunter2"));
}

/// `nascmd completions SHELL` for every shell clap_complete knows, and bash's script is
/// valid bash (#18).
#[test]
fn completions_for_every_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = sb.run(&["completions", shell]);
        ok(&o);
        let script = text(&o.stdout);
        for word in ["nascmd", "share", "revoke-all", "retry-for"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    let script = sb.path().join("nascmd.bash");
    std::fs::write(&script, sb.run(&["completions", "bash"]).stdout).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", text(&check.stderr));
    let o = sb.run(&["completions", "tcsh"]);
    assert_eq!(code(&o), 2, "an unknown shell is a usage error");
}

/// `nascmd man` prints the main page (also where a folder called `man` exists: the
/// subcommand wins, `./man` opens the folder), `man get` one subcommand's page, and
/// `--dir` writes every page (#18).
#[test]
fn man_pages() {
    let sb = Sandbox::new();
    std::fs::create_dir(sb.path().join("man")).unwrap();
    let o = sb.run(&["man"]);
    ok(&o);
    let page = text(&o.stdout);
    assert!(page.contains(".TH nascmd 1"), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    assert!(page.contains("completions"), "{page}");

    let o = sb.run(&["man", "get"]);
    ok(&o);
    let page = text(&o.stdout);
    assert!(page.contains(".TH nascmd-get 1"), "{page}");
    assert!(page.contains("resume"), "{page}");
    let o = sb.run(&["man", "frob"]);
    assert_eq!(code(&o), 1);
    assert!(
        text(&o.stderr).contains("no subcommand"),
        "{}",
        text(&o.stderr)
    );

    let dir = sb.path().join("pages");
    std::fs::create_dir(&dir).unwrap();
    ok(&sb.run(&["man", "--dir", dir.to_str().unwrap()]));
    for name in ["nascmd.1", "nascmd-get.1", "nascmd-share-list.1"] {
        let page = std::fs::read_to_string(dir.join(name)).unwrap();
        assert!(page.contains(".TH"), "{name}");
    }
}
