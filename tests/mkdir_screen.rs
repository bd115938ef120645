//! F7 with a path (`a/b`) makes the folders between, as `mkdir -p` does, on the local
//! disk and on both NAS kinds (their emulators): the cursor lands on `a`, the first
//! folder of the path in the pane. `..` and absolute paths outside the pane's folder are
//! refused with a message saying why; an existing last folder still says it exists.
//! The real runtime loop on an 80×24 `TestBackend`, a left pane on each backend.

use crate::support;

use std::path::Path;
use std::sync::Arc;

use crossterm::event::KeyCode;
use nascmd::app::{App, Pane};
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::keymap::Keymap;
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::runtime::Runtime;
use nascmd::secret::Secret;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::screen::*;

/// The commander with its left (active) pane on `vfs` at `cwd`, settled.
async fn commander(vfs: VfsHandle, cwd: &str, right: &Path) -> Rt {
    let (app, cmds) = App::new(
        Pane::new(vfs, VPath::parse(cwd).unwrap()),
        Pane::new(Arc::new(LocalFs::new()), vpath(right)),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let mut rt = Runtime::new(terminal, app, cmds).unwrap();
    settle(&mut rt, Vec::new()).await;
    rt
}

/// F7, `what`, Enter.
async fn f7(rt: &mut Rt, what: &str) {
    let mut ks = vec![k(KeyCode::F(7))];
    ks.extend(text(what));
    ks.push(k(KeyCode::Enter));
    settle(rt, ks).await;
}

/// The error dialog's text, closed with Esc; fails when there is none.
async fn error_said(rt: &mut Rt) -> String {
    let s = screen(rt);
    assert!(s.contains("Error"), "no error shown:\n{s}");
    press(rt, &[KeyCode::Esc]).await;
    s.lines().collect::<Vec<_>>().join(" ")
}

/// What every backend must do; `disk` is the folder the pane shows, on disk.
async fn mkdir_with_parents(rt: &mut Rt, disk: &Path) {
    f7(rt, "a/b").await;
    assert!(disk.join("a/b").is_dir(), "{}", screen(rt));
    assert_eq!(cursor_name(rt).as_deref(), Some("a"), "{}", screen(rt));

    // `a` is there now: its `c` is made, the cursor still on `a`.
    press(rt, &[KeyCode::Home]).await;
    f7(rt, "a/c/d").await;
    assert!(disk.join("a/c/d").is_dir(), "{}", screen(rt));
    assert_eq!(cursor_name(rt).as_deref(), Some("a"), "{}", screen(rt));

    // The whole path there already: F7 asked for a new folder, so it says so.
    f7(rt, "a/b").await;
    let said = error_said(rt).await;
    assert!(said.contains("already exists"), "{said}");

    // A file on the way: said, nothing made.
    std::fs::write(disk.join("f"), b"x").unwrap();
    f7(rt, "f/g").await;
    let said = error_said(rt).await;
    assert!(said.contains("not a directory"), "{said}");
    assert!(disk.join("f").is_file());

    // `..` anywhere in the path: refused before anything is asked.
    f7(rt, "a/../up").await;
    let said = error_said(rt).await;
    assert!(said.contains("cannot hold \"..\""), "{said}");
    assert!(!disk.join("up").exists() && !disk.join("../up").exists());
}

/// An absolute path: inside the pane's folder it is made; outside it is refused.
async fn absolute_paths(rt: &mut Rt, cwd: &str, disk: &Path) {
    f7(rt, &format!("{cwd}/abs/x")).await;
    assert!(disk.join("abs/x").is_dir(), "{}", screen(rt));
    assert_eq!(cursor_name(rt).as_deref(), Some("abs"), "{}", screen(rt));
    f7(rt, "/elsewhere/x").await;
    let said = error_said(rt).await;
    assert!(said.contains("is not below this folder"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_makes_the_folders_between_on_the_local_disk() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    let cwd = left.path().to_str().unwrap().to_owned();
    let mut rt = commander(Arc::new(LocalFs::new()), &cwd, right.path()).await;
    mkdir_with_parents(&mut rt, left.path()).await;
    absolute_paths(&mut rt, &cwd, left.path()).await;

    // The last folder fails (a name longer than the disk takes) after `part` was made:
    // the error is said and `part` shows, the cursor on it.
    f7(&mut rt, &format!("part/{}", "n".repeat(300))).await;
    let said = error_said(&mut rt).await;
    assert!(said.contains("part/nnn"), "{said}");
    assert!(left.path().join("part").is_dir());
    assert!(screen(&rt).contains("/part"), "{}", screen(&rt));
    assert_eq!(cursor_name(&rt).as_deref(), Some("part"), "{}", screen(&rt));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_makes_the_folders_between_on_a_qnap() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("Public/work")).unwrap();
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", "pw"))
        .await
        .unwrap();
    let nas = QnapVfs::connect(QnapConfig {
        base_url: emu.base_url.clone(),
        user: "alice".into(),
        password: Secret::new("pw"),
        ..QnapConfig::default()
    })
    .await
    .unwrap();
    let right = tempfile::tempdir().unwrap();
    let mut rt = commander(Arc::new(nas), "/Public/work", right.path()).await;
    let disk = root.path().join("Public/work");
    mkdir_with_parents(&mut rt, &disk).await;
    absolute_paths(&mut rt, "/Public/work", &disk).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f7_makes_the_folders_between_on_a_freebox() {
    let f = support::freebox::start(|_| {}).await;
    std::fs::create_dir(f.root.path().join("work")).unwrap();
    let right = tempfile::tempdir().unwrap();
    let cwd = format!("{}/work", support::freebox::DISK);
    let mut rt = commander(Arc::new(f.fbx), &cwd, right.path()).await;
    let disk = f.root.path().join("work");
    mkdir_with_parents(&mut rt, &disk).await;
    absolute_paths(&mut rt, &cwd, &disk).await;
}
