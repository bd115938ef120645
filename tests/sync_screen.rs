//! Compare folders in the commander (mc's Ctrl-X d, and the F9 menu), through the real
//! runtime loop on ratatui's `TestBackend`, reading the drawn screen: both panes get
//! the entries that differ or are on one side only selected, and the status line
//! counts them.

use crate::support;

use std::path::Path;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::Side;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::runtime::ConnectContext;
use support::jobs::{set_mtime, write};
use support::screen::*;

/// Left: same.txt, changed.txt (4 bytes), only_left.txt, dir/. Right (`right`):
/// same.txt, changed.txt (7 bytes), only_right.txt, dir/.
fn prepare(left: &Path, right: &Path) {
    for side in [left, right] {
        write(&side.join("same.txt"), b"same");
        set_mtime(&side.join("same.txt"), 1_600_000_000);
        std::fs::create_dir_all(side.join("dir")).unwrap();
    }
    write(&left.join("changed.txt"), b"left");
    write(&right.join("changed.txt"), b"changed");
    write(&left.join("only_left.txt"), b"l");
    write(&right.join("only_right.txt"), b"r");
}

fn selected(rt: &Rt, side: Side) -> Vec<String> {
    let mut names: Vec<String> = rt.app.pane(side).selected.iter().cloned().collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_x_d_marks_the_differences_against_a_qnap_pane() {
    let local = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let public = root.path().join("Public");
    prepare(local.path(), &public);
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", "pw 42"))
        .await
        .unwrap();
    let ctx = ConnectContext::isolated().with_password(
        &format!("http://{}", emu.addr),
        "alice",
        nascmd::secret::Secret::new("pw 42"),
    );
    // 80x24: the compare's status line must fit beside the selection and free space.
    let mut rt = runtime_with_context(local.path(), local.path(), 80, 24, ctx);
    settle(&mut rt, Vec::new()).await;
    // The right pane onto the NAS (Alt-N), then back to the left one.
    let mut ks = vec![
        k(KeyCode::Tab),
        KeyEvent::new(KeyCode::Char('n'), KeyModifiers::ALT),
    ];
    ks.extend(
        format!("qnap://alice@{}/Public", emu.addr)
            .chars()
            .map(|c| k(KeyCode::Char(c))),
    );
    ks.extend([k(KeyCode::Enter), k(KeyCode::Tab)]);
    settle(&mut rt, ks).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public",
        "{}",
        screen(&rt)
    );

    // Ctrl-X waits for its second key and says so; d compares.
    settle(&mut rt, vec![ctrl('x')]).await;
    assert!(screen(&rt).contains("Ctrl-x …"), "{}", screen(&rt));
    settle(&mut rt, vec![k(KeyCode::Char('d'))]).await;
    assert_eq!(selected(&rt, Side::Left), ["changed.txt", "only_left.txt"]);
    assert_eq!(
        selected(&rt, Side::Right),
        ["changed.txt", "only_right.txt"]
    );
    let s = screen(&rt);
    assert!(
        s.contains("*changed.txt") && s.contains("*only_left.txt"),
        "{s}"
    );
    assert!(
        s.contains("*only_right.txt") && !s.contains("*same.txt"),
        "{s}"
    );
    let status = s.lines().nth(22).unwrap_or_default();
    assert!(
        status.contains("Compare: 2 left, 2 right differ") && !status.contains("all]"),
        "{s}"
    );
    // The messages list (Alt-M) keeps the whole wording.
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Char('m'), KeyModifiers::ALT)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("Compare: 2 left, 2 right selected"), "{s}");
    settle(&mut rt, vec![k(KeyCode::Esc)]).await;

    // Ctrl-X then a key that completes nothing: said, nothing else happens.
    settle(&mut rt, vec![ctrl('x'), k(KeyCode::Char('z'))]).await;
    // (Cut at 80 columns beside the free space; the whole text is the app's status.)
    assert!(screen(&rt).contains("Ctrl-x z: no"), "{}", screen(&rt));
    assert!(
        rt.app
            .status
            .as_ref()
            .is_some_and(|s| s.text.starts_with("Ctrl-x z: no action here")),
        "{:?}",
        rt.app.status
    );
    let _ = emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compare_from_the_f9_menu_and_same_folders_say_so() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    prepare(left.path(), right.path());
    let mut rt = start(left.path(), right.path()).await;
    // F9, Right twice: the Command menu lists it with its two-key binding.
    settle(
        &mut rt,
        vec![k(KeyCode::F(9)), k(KeyCode::Right), k(KeyCode::Right)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("Compare the two panels"), "{s}");
    assert!(s.contains("Ctrl-x d"), "{s}");
    // Up from the top wraps to the last entry, Sync; Compare is just above it.
    assert!(s.contains("Sync the two panels"), "{s}");
    assert!(s.contains("Ctrl-x s"), "{s}");
    settle(
        &mut rt,
        vec![k(KeyCode::Up), k(KeyCode::Up), k(KeyCode::Enter)],
    )
    .await;
    assert_eq!(selected(&rt, Side::Left), ["changed.txt", "only_left.txt"]);
    assert_eq!(
        selected(&rt, Side::Right),
        ["changed.txt", "only_right.txt"]
    );

    // The same folder on both sides: nothing differs.
    std::fs::remove_file(left.path().join("only_left.txt")).unwrap();
    std::fs::remove_file(right.path().join("only_right.txt")).unwrap();
    std::fs::write(right.path().join("changed.txt"), b"left").unwrap();
    let t = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    for dir in [left.path(), right.path()] {
        std::fs::File::open(dir.join("changed.txt"))
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    // Reloaded first (the compare reads the listings the panes hold).
    settle(&mut rt, vec![ctrl('r')]).await;
    settle(&mut rt, vec![ctrl('x'), k(KeyCode::Char('d'))]).await;
    assert!(selected(&rt, Side::Left).is_empty() && selected(&rt, Side::Right).is_empty());
    assert!(
        screen(&rt).contains("Compare: the folders hold the same files"),
        "{}",
        screen(&rt)
    );
}

// ---------------------------------------------------------------- the Sync dialog

/// The commander at 80×24: the local folder `local` on the left (active), the QNAP
/// emulator's /Public on the right.
async fn local_and_qnap(local: &Path, emu: &nascmd::emulator::RunningEmulator) -> Rt {
    let ctx = ConnectContext::isolated().with_password(
        &format!("http://{}", emu.addr),
        "alice",
        nascmd::secret::Secret::new("pw 42"),
    );
    let mut rt = runtime_with_context(local, local, 80, 24, ctx);
    settle(&mut rt, Vec::new()).await;
    let mut ks = vec![k(KeyCode::Tab), alt('n')];
    ks.extend(
        format!("qnap://alice@{}/Public", emu.addr)
            .chars()
            .map(|c| k(KeyCode::Char(c))),
    );
    ks.push(k(KeyCode::Enter));
    settle(&mut rt, ks).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public");
    settle(&mut rt, vec![k(KeyCode::Tab)]).await;
    assert_eq!(rt.app.active, Side::Left);
    rt
}

/// Sync jobs started so far (each says so on the status line, kept in the messages).
fn started(rt: &Rt) -> usize {
    rt.app
        .messages
        .newest_first()
        .filter(|m| m.text.starts_with("Started: Sync"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_previews_the_plan_an_unticked_file_stays_and_a_rerun_is_in_sync() {
    let local = tempfile::tempdir().unwrap();
    let root = tempfile::tempdir().unwrap();
    let public = root.path().join("Public");
    // A (local): two new files, one changed (newer), one the same. B (NAS): the old
    // version of the changed one, the same one, and one only there.
    write(&local.path().join("new1.txt"), b"one");
    write(&local.path().join("sub/new2.txt"), b"two two");
    write(&local.path().join("changed.txt"), b"the left version");
    set_mtime(&local.path().join("changed.txt"), 1_700_000_000);
    for side in [local.path(), public.as_path()] {
        write(&side.join("same.txt"), b"same");
        set_mtime(&side.join("same.txt"), 1_600_000_000);
    }
    write(&public.join("changed.txt"), b"old");
    set_mtime(&public.join("changed.txt"), 1_600_000_000);
    write(&public.join("extra.txt"), b"only on the NAS");
    let log = nascmd::emulator::request_log::RequestLog::default();
    let mut cfg = QnapEmulatorConfig::new(root.path(), "alice", "pw 42");
    cfg.request_log = log.clone();
    let emu = qnap::spawn(cfg).await.unwrap();
    let mut rt = local_and_qnap(local.path(), &emu).await;

    // Ctrl-X s: the options; Down to "Delete", Space ticks it; Enter plans.
    settle(&mut rt, vec![ctrl('x'), k(KeyCode::Char('s'))]).await;
    let s = screen(&rt);
    assert!(s.contains("Sync folders") && s.contains("A → B"), "{s}");
    assert!(s.contains("[ ] Delete on the target"), "{s}");
    settle(&mut rt, vec![k(KeyCode::Down), k(KeyCode::Char(' '))]).await;
    assert!(
        screen(&rt).contains("[x] Delete on the target"),
        "{}",
        screen(&rt)
    );
    log.clear();
    settle(&mut rt, vec![k(KeyCode::Enter)]).await;
    // The preview at 80×24: each planned line and the totals; nothing moved yet.
    let s = screen(&rt);
    assert!(s.contains("Sync plan: 4 actions"), "{s}");
    assert!(s.contains("[x] replace  A→B changed.txt"), "{s}");
    assert!(s.contains("[x] delete   on B extra.txt"), "{s}");
    assert!(s.contains("[x] copy     A→B new1.txt"), "{s}");
    assert!(s.contains("[x] copy     A→B sub/new2.txt"), "{s}");
    assert!(
        s.contains("Ticked 4: 2 to copy, 1 to replace, 1 to delete"),
        "{s}"
    );
    assert!(s.contains("[ Run ]") && s.contains("[ Cancel ]"), "{s}");
    assert!(!s.contains("same.txt"), "{s}");
    assert!(public.join("extra.txt").exists());
    let planning = log.lines().join("\n");
    assert!(
        !planning.contains("upload") && !planning.contains("delete"),
        "{planning}"
    );

    // Untick sub/new2.txt (the fourth line): the totals follow.
    settle(
        &mut rt,
        vec![
            k(KeyCode::Down),
            k(KeyCode::Down),
            k(KeyCode::Down),
            k(KeyCode::Char(' ')),
        ],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("[ ] copy     A→B sub/new2.txt"), "{s}");
    assert!(
        s.contains("Ticked 3: 1 to copy, 1 to replace, 1 to delete"),
        "{s}"
    );
    // Run: ONE job; the ticked files moved, the unticked one did not, the delete came
    // after the copies.
    log.clear();
    settle(&mut rt, vec![k(KeyCode::Enter)]).await;
    assert_eq!(started(&rt), 1, "{}", screen(&rt));
    assert_eq!(std::fs::read(public.join("new1.txt")).unwrap(), b"one");
    assert_eq!(
        std::fs::read(public.join("changed.txt")).unwrap(),
        b"the left version"
    );
    assert!(!public.join("extra.txt").exists());
    assert!(!public.join("sub").exists(), "unticked: never sent");
    let lines = log.lines();
    let last_upload = lines.iter().rposition(|l| l.contains("upload")).unwrap();
    let delete = lines
        .iter()
        .position(|l| l.contains("func=delete"))
        .unwrap();
    assert!(last_upload < delete, "{lines:#?}");

    // Again (deletes off): only the file left unticked.
    settle(
        &mut rt,
        vec![ctrl('x'), k(KeyCode::Char('s')), k(KeyCode::Enter)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("Sync plan: 1 action "), "{s}");
    assert!(s.contains("[x] copy     A→B sub/new2.txt"), "{s}");
    settle(&mut rt, vec![k(KeyCode::Enter)]).await;
    assert_eq!(
        std::fs::read(public.join("sub/new2.txt")).unwrap(),
        b"two two"
    );
    // And once more: nothing to do, said, no job started.
    assert_eq!(started(&rt), 2);
    settle(
        &mut rt,
        vec![ctrl('x'), k(KeyCode::Char('s')), k(KeyCode::Enter)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("Already in sync"), "{s}");
    assert!(!s.contains("Sync plan"), "{s}");
    assert_eq!(started(&rt), 2, "no job for nothing to do");
    let _ = emu.shutdown().await;
}

/// The glob fields are text fields like every other: a chord they have no use for says
/// so on the status line and leaves the text alone; Alt-Backspace and Ctrl-W delete
/// backwards as in a shell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_glob_fields_say_when_a_chord_does_nothing() {
    let left = tempfile::tempdir().unwrap();
    let right = tempfile::tempdir().unwrap();
    write(&left.path().join("keep.txt"), b"keep");
    write(&left.path().join("junk.tmp"), b"junk");
    let mut rt = start_sized(left.path(), right.path(), 80, 24).await;
    // Ctrl-X s, then down to the Exclude field (Direction, Delete, Include, Exclude).
    let mut ks = vec![ctrl('x'), k(KeyCode::Char('s'))];
    ks.extend([k(KeyCode::Down); 3]);
    ks.extend(text("*.tmp *.bak"));
    settle(&mut rt, ks).await;
    let s = screen(&rt);
    assert!(
        s.contains("Sync folders") && s.contains("*.tmp *.bak"),
        "{s}"
    );
    let status = |rt: &Rt| rt.app.status.as_ref().map(|s| s.text.clone());
    for (chord, name) in [(alt('z'), "Alt-Z"), (ctrl('g'), "Ctrl-G")] {
        settle(&mut rt, vec![chord]).await;
        assert_eq!(
            status(&rt).as_deref(),
            Some(format!("{name}: no action here — F1 lists the keys").as_str()),
            "{}",
            screen(&rt)
        );
        assert!(screen(&rt).contains("*.tmp *.bak"), "{}", screen(&rt));
    }
    // Alt-Backspace: the last word (letters and digits) goes, as in a shell.
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Backspace, KeyModifiers::ALT)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("*.tmp *.") && !s.contains("*.bak"), "{s}");
    // Ctrl-W: back to the space.
    settle(&mut rt, vec![ctrl('w')]).await;
    let s = screen(&rt);
    assert!(s.contains("*.tmp") && !s.contains("*.tmp *."), "{s}");
    // The field kept what was typed: the plan leaves junk.tmp out.
    settle(&mut rt, vec![k(KeyCode::Enter)]).await;
    let s = screen(&rt);
    assert!(s.contains("Sync plan: 1 action "), "{s}");
    assert!(s.contains("[x] copy     A→B keep.txt"), "{s}");
    assert!(!s.contains("junk.tmp"), "{s}");
}
