//! Screen-level tests: the real runtime loop, App and ui on ratatui's `TestBackend`, real
//! folders in temp dirs, keys typed as a user would. Each step runs until idle (listings
//! arrived, jobs finished), then the test reads the screen and the disk.

use crate::support;

use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use support::screen::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn panes_show_their_folders() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("hello.txt"), b"hi").unwrap();
    std::fs::create_dir(l.path().join("sub")).unwrap();
    std::fs::write(r.path().join("only-right.md"), b"x").unwrap();
    let rt = start(l.path(), r.path()).await;
    let s = screen(&rt);
    assert!(s.contains("hello.txt"), "{s}");
    assert!(s.contains("/sub"), "{s}");
    assert!(s.contains("only-right.md"), "{s}");
    assert!(s.contains("5Copy"), "function-key bar: {s}");
    assert!(rt.frames >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_makes_a_folder_that_appears_under_the_cursor() {
    let l = tempfile::tempdir().unwrap();
    let mut rt = start(l.path(), l.path()).await;
    press(&mut rt, &[KeyCode::F(7)]).await;
    assert!(screen(&rt).contains("Make folder"));
    typ(&mut rt, "fresh folder").await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(l.path().join("fresh folder").is_dir());
    let s = screen(&rt);
    assert!(s.contains("/fresh folder"), "{s}");
    assert_eq!(
        rt.app.active_pane().current_entry().unwrap().name,
        "fresh folder"
    );
    // The other pane shows the same folder and was reloaded too.
    assert!(
        rt.app.panes[1]
            .entries()
            .iter()
            .any(|e| e.name == "fresh folder")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enter_and_backspace_and_errors_in_the_status_line() {
    let l = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(l.path().join("outer/inner")).unwrap();
    std::fs::create_dir(l.path().join("gone")).unwrap();
    let mut rt = start(l.path(), l.path()).await;
    go_to(&mut rt, "outer").await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(screen(&rt).contains("/inner"));
    press(&mut rt, &[KeyCode::Backspace]).await;
    assert_eq!(rt.app.active_pane().current_entry().unwrap().name, "outer");
    // A folder removed behind our back: an error in the status line, no crash.
    go_to(&mut rt, "gone").await;
    std::fs::remove_dir(l.path().join("gone")).unwrap();
    press(&mut rt, &[KeyCode::Enter]).await;
    let s = screen(&rt);
    assert!(s.contains("Cannot list"), "{s}");
    assert_eq!(rt.app.active_pane().cwd, vpath(l.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_with_an_escape_sequence_is_shown_escaped() {
    let l = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("bad\x1b[2Jname\x07.txt"), b"x").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    let s = screen(&rt);
    assert!(s.contains("bad\\x1b[2Jname\\x07.txt"), "{s}");
    assert!(
        !s.contains('\x1b') && !s.contains('\x07'),
        "raw control character on screen"
    );
    // Also in a dialog.
    go_to(&mut rt, "bad\x1b[2Jname\x07.txt").await;
    press(&mut rt, &[KeyCode::F(8)]).await;
    let s = screen(&rt);
    assert!(s.contains("Delete \"bad\\x1b[2Jname\\x07.txt\"?"), "{s}");
    assert!(!s.contains('\x1b'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f3_views_text_and_binary() {
    let l = tempfile::tempdir().unwrap();
    let lines: String = (1..=5000).map(|i| format!("line number {i}\n")).collect();
    std::fs::write(l.path().join("log.txt"), &lines).unwrap();
    std::fs::write(l.path().join("blob.bin"), [0u8, 1, 2, 0xff, b'A', b'B']).unwrap();
    let mut rt = start(l.path(), l.path()).await;
    go_to(&mut rt, "log.txt").await;
    press(&mut rt, &[KeyCode::F(3)]).await;
    let s = screen(&rt);
    assert!(
        s.contains("line number 1\n") || s.contains("line number 1 "),
        "{s}"
    );
    press(&mut rt, &[KeyCode::End]).await;
    assert!(screen(&rt).contains("line number 5000"));
    press(&mut rt, &[KeyCode::Esc]).await;
    go_to(&mut rt, "blob.bin").await;
    press(&mut rt, &[KeyCode::F(3)]).await;
    let s = screen(&rt);
    assert!(s.contains("00000000  00 01 02 ff 41 42"), "{s}");
    assert!(s.contains("|....AB|"), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f8_deletes_only_when_confirmed() {
    let l = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("victim.txt"), b"x").unwrap();
    std::fs::create_dir_all(l.path().join("tree/deep")).unwrap();
    std::fs::write(l.path().join("tree/deep/f"), b"y").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    go_to(&mut rt, "victim.txt").await;
    press(&mut rt, &[KeyCode::F(8)]).await;
    assert!(screen(&rt).contains("Delete \"victim.txt\"?"));
    press(&mut rt, &[KeyCode::Esc]).await;
    press(&mut rt, &[KeyCode::F(8), KeyCode::Char('n')]).await;
    press(&mut rt, &[KeyCode::F(8), KeyCode::Tab, KeyCode::Enter]).await; // focus on No
    assert!(
        l.path().join("victim.txt").exists(),
        "deleted without confirmation"
    );
    assert!(rt.app.layers.dialogs().next().is_none());

    press(&mut rt, &[KeyCode::F(8), KeyCode::Enter]).await;
    assert!(
        !l.path().join("victim.txt").exists(),
        "not deleted: {}",
        screen(&rt)
    );
    assert!(!screen(&rt).contains("victim.txt"));

    go_to(&mut rt, "tree").await;
    press(&mut rt, &[KeyCode::F(8)]).await;
    let s = screen(&rt);
    assert!(
        s.contains("Delete the folder \"tree\" and everything in it?"),
        "{s}"
    );
    press(&mut rt, &[KeyCode::Char('y')]).await;
    assert!(!l.path().join("tree").exists());
}

/// Builds 5 folders × 10 files (plus nested ones) with distinct contents.
fn nested_tree(root: &Path) -> Vec<String> {
    let mut rels = Vec::new();
    for d in 0..5 {
        for f in 0..10 {
            let rel = if f < 7 {
                format!("dir{d}/file{f}.dat")
            } else {
                format!("dir{d}/nested/deeper/file{f}.dat")
            };
            let path = root.join(&rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let data: Vec<u8> = (0..(d * 10 + f) * 997 + 1)
                .map(|i| (i * 31 + d * 7 + f) as u8)
                .collect();
            std::fs::write(&path, data).unwrap();
            rels.push(rel);
        }
    }
    rels
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn copy_a_selection_of_50_files_in_a_nested_tree() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    let rels = nested_tree(l.path());
    std::fs::write(l.path().join("not-selected.txt"), b"stay").unwrap();
    let mut rt = start(l.path(), r.path()).await;
    // Select the 5 folders (50 files) with a pattern, then F5 and confirm the target.
    press(&mut rt, &[KeyCode::Char('+')]).await;
    press(&mut rt, &[KeyCode::Backspace]).await;
    typ(&mut rt, "dir*").await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert_eq!(rt.app.active_pane().selected.len(), 5);
    assert!(screen(&rt).contains("5 selected"));
    press(&mut rt, &[KeyCode::F(5)]).await;
    let s = screen(&rt);
    assert!(
        s.contains(&r.path().display().to_string()),
        "target prefilled: {s}"
    );
    press(&mut rt, &[KeyCode::Enter]).await;

    for rel in &rels {
        let a = std::fs::read(l.path().join(rel)).unwrap();
        let b = std::fs::read(r.path().join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}\n{}", screen(&rt)));
        assert_eq!(a, b, "{rel} differs");
    }
    assert!(!r.path().join("not-selected.txt").exists());
    let s = screen(&rt);
    for d in 0..5 {
        assert!(
            s.matches(&format!("/dir{d}")).count() >= 2,
            "both panes show dir{d}: {s}"
        );
    }
    // Nothing left under a temporary name.
    let leftovers: Vec<_> = walk(r.path())
        .into_iter()
        .filter(|p| !p.ends_with(".dat") && !p.contains("dir"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_in_a_copied_folder_is_named_and_the_rest_arrives() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    // A deep path, so the error line is longer than the dialog is wide.
    let deep = l
        .path()
        .join("a-folder-with-a-long-name/and-another-one-below-it");
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::write(deep.join("kept.txt"), b"kept").unwrap();
    support::fifo::mkfifo(deep.join("pipe"));
    let mut rt = start(l.path(), r.path()).await;
    go_to(&mut rt, "a-folder-with-a-long-name").await;
    press(&mut rt, &[KeyCode::F(5)]).await;
    press(&mut rt, &[KeyCode::Enter]).await;

    let copied = r
        .path()
        .join("a-folder-with-a-long-name/and-another-one-below-it");
    assert_eq!(std::fs::read(copied.join("kept.txt")).unwrap(), b"kept");
    assert!(!copied.join("pipe").exists());
    let s = screen(&rt);
    assert!(s.contains("Copy done, 1 item not"), "{s}");
    assert!(
        s.contains("not copied: a special file (FIFO, socket or"),
        "{s}"
    );
    // The wrapped message does not push the button out of the box.
    assert!(s.contains("[ OK ]"), "{s}");
    press(&mut rt, &[KeyCode::Enter]).await;
    assert!(!screen(&rt).contains("[ OK ]"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f3_on_a_link_to_a_fifo_says_so_instead_of_waiting() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    support::fifo::mkfifo(l.path().join("pipe"));
    std::os::unix::fs::symlink(l.path().join("pipe"), l.path().join("link")).unwrap();
    let mut rt = start(l.path(), r.path()).await;
    go_to(&mut rt, "link").await;
    // settle() fails the test if the viewer's read never returns.
    press(&mut rt, &[KeyCode::F(3)]).await;
    let s = screen(&rt);
    assert!(s.contains("not a regular file"), "{s}");
}

fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.display().to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicts_ask_and_the_answers_are_applied() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    for n in ["a.txt", "b.txt", "c.txt"] {
        std::fs::write(l.path().join(n), format!("new {n}")).unwrap();
        std::fs::write(r.path().join(n), "old").unwrap();
    }
    let mut rt = start(l.path(), r.path()).await;
    press(
        &mut rt,
        &[KeyCode::Char('*'), KeyCode::F(5), KeyCode::Enter],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("already exists"), "{s}");
    assert!(s.contains("Overwrite") && s.contains("Newer only"), "{s}");
    // a.txt: overwrite; b.txt: rename; c.txt: skip.
    press(&mut rt, &[KeyCode::Char('o')]).await;
    press(&mut rt, &[KeyCode::Char('r')]).await;
    assert!(screen(&rt).contains("Rename"));
    press(&mut rt, &[KeyCode::Enter]).await; // the suggested "b (1).txt"
    press(&mut rt, &[KeyCode::Char('s')]).await;
    assert_eq!(rt.app.jobs.running(), 0, "{}", screen(&rt));
    let read = |n: &str| std::fs::read_to_string(r.path().join(n)).unwrap();
    assert_eq!(read("a.txt"), "new a.txt");
    assert_eq!(read("b.txt"), "old");
    assert_eq!(read("b (1).txt"), "new b.txt");
    assert_eq!(read("c.txt"), "old");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_copy_leaves_no_partial_file() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    let big = vec![7u8; 64 * 1024 * 1024];
    std::fs::write(l.path().join("big.bin"), &big).unwrap();
    let mut rt = start(l.path(), r.path()).await;
    go_to(&mut rt, "big.bin").await;
    // Start the copy and cancel it from the jobs panel in the same burst of keys.
    let keys = vec![
        k(KeyCode::F(5)),
        k(KeyCode::Enter),
        KeyEvent::new(KeyCode::Char('j'), KeyModifiers::ALT),
        k(KeyCode::Delete),
        k(KeyCode::Enter),
    ];
    settle(&mut rt, keys).await;
    let left: Vec<String> = walk(r.path());
    assert!(left.is_empty(), "left behind after cancel: {left:?}");
    // Said as what it is, counted in items (not "Copied 0 items, 15 MiB (cancelled)").
    assert!(screen(&rt).contains("Cancelled — 0 "), "{}", screen(&rt));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_panel_shows_progress_rate_and_eta() {
    use nascmd::app::Msg;
    use nascmd::jobs::{JobEvent, JobKind, JobProgress};
    let l = tempfile::tempdir().unwrap();
    let mut rt = start(l.path(), l.path()).await;
    rt.app.update(Msg::JobStarted {
        id: 42,
        kind: JobKind::Copy,
        title: "Copy 3 items to /x".into(),
    });
    rt.app.update(Msg::Job(JobEvent::Progress {
        id: 42,
        progress: JobProgress {
            bytes_done: 256 * 1024 * 1024,
            bytes_total: 1024 * 1024 * 1024,
            rate: 64.0 * 1024.0 * 1024.0,
            items_done: 1,
            items_total: 3,
            ..Default::default()
        },
    }));
    rt.render().unwrap();
    let s = screen(&rt);
    assert!(s.contains("Copy 3 items to /x"), "{s}");
    assert!(s.contains("[#####..............."), "{s}");
    assert!(s.contains(" 25%"), "{s}");
    // Numbers of one width (three significant digits), so the row does not jump.
    assert!(s.contains("256 MiB/1.00 GiB 1/3 files"), "{s}");
    assert!(s.contains("64.0 MiB/s"), "{s}");
    assert!(s.contains("ETA 0:12"), "{s}");
}

/// F5 to a path typed by hand that neither pane shows: an existing folder there takes the
/// copied folder inside it (as `cp -r` and mc do), a new name is the copy's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_target_that_is_a_folder_takes_the_copy_inside() {
    let t = tempfile::tempdir().unwrap();
    let (local, other, back) = (
        t.path().join("local"),
        t.path().join("other"),
        t.path().join("back"),
    );
    std::fs::create_dir_all(local.join("batch/sub")).unwrap();
    std::fs::write(local.join("batch/a.txt"), b"a").unwrap();
    std::fs::write(local.join("batch/sub/b.txt"), b"b").unwrap();
    std::fs::create_dir(&other).unwrap();
    std::fs::create_dir(&back).unwrap();
    std::fs::write(back.join("kept.txt"), b"kept").unwrap();
    let mut rt = start(&local, &other).await;

    // Into the existing folder `back`: back/batch/…, what was in back stays.
    go_to(&mut rt, "batch").await;
    press(&mut rt, &[KeyCode::F(5)]).await;
    keys(&mut rt, &[ctrl('u')]).await;
    typ(&mut rt, &back.display().to_string()).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert_eq!(
        std::fs::read(back.join("batch/a.txt")).unwrap(),
        b"a",
        "{}",
        screen(&rt)
    );
    assert_eq!(std::fs::read(back.join("batch/sub/b.txt")).unwrap(), b"b");
    assert!(
        !back.join("a.txt").exists(),
        "the folder's content was not poured into back"
    );
    assert_eq!(std::fs::read(back.join("kept.txt")).unwrap(), b"kept");

    // To a name nothing has yet: the copy is that folder.
    go_to(&mut rt, "batch").await;
    press(&mut rt, &[KeyCode::F(5)]).await;
    keys(&mut rt, &[ctrl('u')]).await;
    typ(&mut rt, &t.path().join("renamed").display().to_string()).await;
    press(&mut rt, &[KeyCode::Enter]).await;
    assert_eq!(
        std::fs::read(t.path().join("renamed/a.txt")).unwrap(),
        b"a",
        "{}",
        screen(&rt)
    );
    assert_eq!(
        std::fs::read(t.path().join("renamed/sub/b.txt")).unwrap(),
        b"b"
    );
}
