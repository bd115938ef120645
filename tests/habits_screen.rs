//! Screen-level tests of issue 18's "safety first" and "habits": the real runtime loop,
//! App and ui on ratatui's `TestBackend`, real folders in temp dirs, keys typed as a
//! user would; each step runs until idle, then the test reads the screen and the disk.

use crate::support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::Mode;
use support::screen::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_j_without_jobs_says_so_and_opens_nothing() {
    let l = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("keep.txt"), b"x").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    settle(&mut rt, vec![alt('j')]).await;
    assert!(matches!(rt.app.mode, Mode::Normal));
    assert!(screen(&rt).contains("no jobs"), "{}", screen(&rt));
}

/// The sequence: Alt-J while a copy runs, the copy ends, then Del and `y`. The
/// panel the user opened stays open (the job listed as done), so Del and `y` stay in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_jobs_panel_stays_open_and_del_y_never_reach_the_pane() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("big.bin"), vec![7u8; 16 * 1024 * 1024]).unwrap();
    let mut rt = start(l.path(), r.path()).await;
    go_to(&mut rt, "big.bin").await;
    settle(&mut rt, vec![k(KeyCode::F(5)), k(KeyCode::Enter), alt('j')]).await;
    assert_eq!(rt.app.jobs.running(), 0);
    let s = screen(&rt);
    assert!(rt.app.jobs_panel_open(), "{s}");
    assert!(s.contains("done: Copied 1 item"), "{s}");
    press(&mut rt, &[KeyCode::Delete, KeyCode::Char('y')]).await;
    assert!(l.path().join("big.bin").exists(), "{}", screen(&rt));
    assert!(r.path().join("big.bin").exists());
    assert!(
        rt.app.layers.dialogs().next().is_none(),
        "a dialog opened: {}",
        screen(&rt)
    );
    // The user closes it: gone, and the keys go to the pane again.
    press(&mut rt, &[KeyCode::Esc]).await;
    assert!(matches!(rt.app.mode, Mode::Normal));
    assert!(!screen(&rt).contains("done: Copied"), "{}", screen(&rt));
    assert_eq!(rt.app.jobs.rows(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_delete_question_names_what_and_where() {
    let l = tempfile::tempdir().unwrap();
    for n in ["a.txt", "b.txt", "c.txt"] {
        std::fs::write(l.path().join(n), b"x").unwrap();
    }
    let mut rt = start(l.path(), l.path()).await;
    go_to(&mut rt, "b.txt").await;
    press(&mut rt, &[KeyCode::F(8)]).await;
    let s = screen(&rt);
    assert!(s.contains("Delete \"b.txt\"?"), "{s}");
    let place = format!("from {} (local)", l.path().display());
    assert!(s.contains(&place), "{s}");
    press(&mut rt, &[KeyCode::Esc]).await;
    // A selection: how many, and from where.
    press(&mut rt, &[KeyCode::Char('*'), KeyCode::F(8)]).await;
    let s = screen(&rt);
    assert!(s.contains("Delete 3 items?"), "{s}");
    assert!(s.contains(&place), "{s}");
    press(&mut rt, &[KeyCode::Char('n')]).await;
    assert!(l.path().join("a.txt").exists());
}

/// The row of the screen holding `needle`.
fn row_with<'a>(s: &'a str, needle: &str) -> &'a str {
    s.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no {needle:?} on screen:\n{s}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conflict_dialog_focuses_skip_and_marks_the_newer_and_larger_copy() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    // The incoming copy is larger; the one already there is newer.
    std::fs::write(l.path().join("a.txt"), "the new, longer text").unwrap();
    std::fs::write(r.path().join("a.txt"), "old").unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    std::fs::File::options()
        .write(true)
        .open(l.path().join("a.txt"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let mut rt = start_sized(l.path(), r.path(), 60, 20).await;
    go_to(&mut rt, "a.txt").await;
    press(&mut rt, &[KeyCode::F(5), KeyCode::Enter]).await;
    let s = screen(&rt);
    assert!(s.contains("already exists"), "{s}");
    assert!(row_with(&s, "new:").contains("(larger)"), "{s}");
    assert!(row_with(&s, "existing:").contains("(newer)"), "{s}");
    // Every button whole on some row at 60 columns.
    for b in [
        "[ Overwrite ]",
        "[ Skip ]",
        "[ Rename ]",
        "[ Newer only ]",
        "[ Cancel job ]",
    ] {
        assert!(s.contains(b), "{b} cut: {s}");
    }
    // A reflexive Enter skips: the file already there stays.
    press(&mut rt, &[KeyCode::Enter]).await;
    assert_eq!(rt.app.jobs.running(), 0, "{}", screen(&rt));
    assert_eq!(
        std::fs::read_to_string(r.path().join("a.txt")).unwrap(),
        "old"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_delete_or_a_rename_the_cursor_stays_in_place() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    for n in ["a.txt", "b.txt", "c.txt", "d.txt"] {
        std::fs::write(l.path().join(n), b"x").unwrap();
    }
    let mut rt = start(l.path(), r.path()).await;
    // Delete b: the cursor goes to c, which took its place.
    go_to(&mut rt, "b.txt").await;
    press(&mut rt, &[KeyCode::F(8), KeyCode::Char('y')]).await;
    assert!(!l.path().join("b.txt").exists());
    assert_eq!(
        cursor_name(&rt).as_deref(),
        Some("c.txt"),
        "{}",
        screen(&rt)
    );
    // Delete the last one: the cursor goes to the one before.
    go_to(&mut rt, "d.txt").await;
    press(&mut rt, &[KeyCode::F(8), KeyCode::Char('y')]).await;
    assert_eq!(
        cursor_name(&rt).as_deref(),
        Some("c.txt"),
        "{}",
        screen(&rt)
    );
    // Rename a to zz: the cursor follows it to its new sorted place.
    go_to(&mut rt, "a.txt").await;
    let mut keys = vec![k(KeyCode::F(6)), ctrl('u')];
    keys.extend(text("zz.txt"));
    keys.push(k(KeyCode::Enter));
    settle(&mut rt, keys).await;
    assert!(l.path().join("zz.txt").exists(), "{}", screen(&rt));
    assert_eq!(
        cursor_name(&rt).as_deref(),
        Some("zz.txt"),
        "{}",
        screen(&rt)
    );
    // Shift-F6, as in mc: the name is there to edit, and it stays in its folder.
    go_to(&mut rt, "c.txt").await;
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::F(6), KeyModifiers::SHIFT)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("Rename \"c.txt\" to:"), "{s}");
    let mut keys = vec![k(KeyCode::End)];
    keys.extend([k(KeyCode::Backspace); 4]);
    keys.extend(text("3.txt"));
    keys.push(k(KeyCode::Enter));
    settle(&mut rt, keys).await;
    assert!(l.path().join("c3.txt").exists(), "{}", screen(&rt));
    assert!(!l.path().join("c.txt").exists());
    assert_eq!(cursor_name(&rt).as_deref(), Some("c3.txt"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_name_that_is_not_utf8_shows_its_bytes_and_renames() {
    use std::os::unix::ffi::OsStrExt;
    let l = tempfile::tempdir().unwrap();
    let latin1 = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
    std::fs::write(l.path().join(latin1), b"latin").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    let s = screen(&rt);
    assert!(s.contains("caf\\xe9.txt"), "{s}");
    press(&mut rt, &[KeyCode::Down]).await;
    let mut keys = vec![KeyEvent::new(KeyCode::F(6), KeyModifiers::SHIFT), ctrl('u')];
    keys.extend(text("cafe.txt"));
    keys.push(k(KeyCode::Enter));
    settle(&mut rt, keys).await;
    assert_eq!(
        std::fs::read(l.path().join("cafe.txt")).unwrap(),
        b"latin",
        "{}",
        screen(&rt)
    );
    assert!(!l.path().join(latin1).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_get_the_room_first_at_80x24_and_60x20() {
    let l = tempfile::tempdir().unwrap();
    // 30 characters: whole at 80 columns, beside its short size.
    let name = "quarterly-report-2025-final.md";
    assert_eq!(name.len(), 30);
    std::fs::write(l.path().join(name), vec![b'x'; 12 * 1024]).unwrap();
    let mut rt = start_sized(l.path(), l.path(), 80, 24).await;
    let s = screen(&rt);
    let row = s.lines().find(|r| r.contains("quarterly")).unwrap();
    assert!(row.contains(&format!(" {name} ")), "{s}");
    assert!(row.contains("│  12K│"), "{s}");
    // The name column: at least 30 characters.
    let header = s.lines().find(|r| r.contains("Name")).unwrap();
    let name_col = header.split('│').nth(1).unwrap();
    assert!(name_col.chars().count() >= 30, "{s}");
    // The same at 60×20: the name stays, size and date give way. (The shared `start`
    // gives the app the terminal's size through `Runtime::new`; a later resize is done
    // by hand: the backend changes size as a terminal would, and the app gets the
    // `Msg::Resize` the runtime sends on a terminal's resize event.)
    rt.terminal.backend_mut().resize(60, 20);
    rt.terminal
        .resize(ratatui::layout::Rect::new(0, 0, 60, 20))
        .unwrap();
    settle(&mut rt, Vec::new()).await;
    rt.app.update(nascmd::app::Msg::Resize(60, 20));
    rt.render().unwrap();
    let s = screen(&rt);
    assert!(s.contains("quarterly-report-2025"), "{s}");
    // A dialog at 60 columns: text wrapped, buttons whole.
    go_to(&mut rt, name).await;
    press(&mut rt, &[KeyCode::F(8)]).await;
    let s = screen(&rt);
    assert!(s.contains("[ Yes ]") && s.contains("[ No ]"), "{s}");
    assert!(s.contains("(local)"), "{s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_dot_says_whether_hidden_files_are_shown() {
    let l = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join(".secret"), b"x").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    settle(&mut rt, vec![alt('.')]).await;
    let s = screen(&rt);
    assert!(
        s.contains("hidden files shown") && s.contains(".secret"),
        "{s}"
    );
    settle(&mut rt, vec![alt('.')]).await;
    let s = screen(&rt);
    assert!(
        s.contains("hidden files hidden") && !s.contains(".secret"),
        "{s}"
    );
}

/// A status message too long for the line says so, and Alt-M shows it whole among the
/// recent messages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_messages_are_kept_whole_in_the_history() {
    let l = tempfile::tempdir().unwrap();
    let name = "a-folder-with-a-rather-long-name-that-will-not-fit-on-the-status-line";
    std::fs::create_dir(l.path().join(name)).unwrap();
    let mut rt = start_sized(l.path(), l.path(), 80, 24).await;
    go_to(&mut rt, name).await;
    std::fs::remove_dir(l.path().join(name)).unwrap();
    press(&mut rt, &[KeyCode::Enter]).await;
    let status = rt.app.status.clone().unwrap().text;
    assert!(status.starts_with("Cannot list"), "{status}");
    let s = screen(&rt);
    assert!(s.contains("[Alt-m: all]"), "{s}");
    settle(&mut rt, vec![alt('m')]).await;
    let s = screen(&rt);
    assert!(s.contains("Messages, newest first"), "{s}");
    // The whole message, wrapped over the rows of the dialog (inner columns 3..77).
    let inside: String = s
        .lines()
        .map(|r| r.chars().skip(3).take(74).collect::<String>())
        .collect::<String>()
        .split_whitespace()
        .collect();
    let whole: String = status.split_whitespace().collect();
    assert!(inside.contains(&whole), "{status:?} not whole: {s}");
    // F1 lists the key.
    press(&mut rt, &[KeyCode::Esc, KeyCode::F(1)]).await;
    rt.app.update(nascmd::app::Msg::Key(k(KeyCode::End)));
    rt.render().unwrap();
    let help: Vec<String> = rt.app.help_lines().into_iter().map(|(k, _)| k).collect();
    assert!(help.iter().any(|k| k == "Alt-m"), "{help:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_takes_the_free_space_room_at_80_columns() {
    let l = tempfile::tempdir().unwrap();
    let folder = "holiday-pictures-from-the-alps-2024";
    std::fs::create_dir(l.path().join(folder)).unwrap();
    std::fs::write(l.path().join(folder).join("a.jpg"), b"x").unwrap();
    let mut rt = start_sized(l.path(), l.path(), 80, 24).await;
    // The pane's own line shows the free space.
    assert!(screen(&rt).contains(" free of "), "{}", screen(&rt));
    go_to(&mut rt, folder).await;
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL)],
    )
    .await;
    let s = screen(&rt);
    let status = s.lines().nth(22).unwrap();
    assert!(status.contains(folder), "{status:?}");
    assert!(!status.contains(" free of "), "{status:?}");
    assert!(!status.contains(": all]"), "the message is cut: {status:?}");
}

/// A folder a pane lists is swept like one a job writes into: a temporary of nascmd's
/// naming left for two days goes (the status line says what came back); a fresh one and
/// somebody else's old file stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pane_sweeps_the_abandoned_temporaries_it_lists() {
    let l = tempfile::tempdir().unwrap();
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    let old = |name: &str, len: usize| {
        let path = l.path().join(name);
        std::fs::write(&path, vec![b'x'; len]).unwrap();
        let f = std::fs::File::options().write(true).open(&path).unwrap();
        f.set_modified(two_days_ago).unwrap();
    };
    old(".nascmd-part-0badc0de-movie.mkv", 3000);
    old(".nascmd-part-0badc0de.resume", 100);
    old("someone-elses.part", 10);
    std::fs::write(l.path().join(".nascmd-part-00ff-fresh.bin"), b"x").unwrap();
    let r = tempfile::tempdir().unwrap();
    let mut rt = start_sized(l.path(), r.path(), 80, 24).await;
    // The sweep runs after the listing, off the loop: wait for its message.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !screen(&rt).contains("stale temporary") && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        settle(&mut rt, Vec::new()).await;
    }
    let s = screen(&rt);
    assert!(s.contains("removed 2 stale temporary files from"), "{s}");
    assert!(!l.path().join(".nascmd-part-0badc0de-movie.mkv").exists());
    assert!(!l.path().join(".nascmd-part-0badc0de.resume").exists());
    assert!(l.path().join("someone-elses.part").exists());
    assert!(l.path().join(".nascmd-part-00ff-fresh.bin").exists());
}
