//! The keys an mc user reaches for (issue 18), driven through the real runtime loop on
//! ratatui's `TestBackend`, over real folders, reading the drawn screen.

use crate::support;

use std::path::Path;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::Side;
use nascmd::emulator::qnap::{self, QnapEmulatorConfig};
use nascmd::jobs::journal::{JobPlaces, Journal, SyncPlanRecord};
use nascmd::keymap::Keymap;
use nascmd::runtime::ConnectContext;
use nascmd::services::sync::{Direction, Ends, SyncJobs};
use support::jobs;
use support::relayed_qnap::{jobs_dir, journal_names, journaling_commander_sized, profile_context};
use support::sandbox::Sandbox;
use support::screen::*;

async fn start_with(left: &Path, right: &Path, keymap: Keymap) -> Rt {
    let mut rt = runtime(left, right, keymap, 120, 40);
    settle(&mut rt, Vec::new()).await;
    rt
}

const PASSWORD: &str = "correct horse 42";

/// A QNAP emulator over a temp folder with `Public/docs/a.txt` and `Public/top.txt`.
async fn qnap_nas() -> (tempfile::TempDir, nascmd::emulator::RunningEmulator) {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("Public/docs")).unwrap();
    std::fs::write(root.path().join("Public/docs/a.txt"), b"12345").unwrap();
    std::fs::write(root.path().join("Public/top.txt"), b"top").unwrap();
    let emu = qnap::spawn(QnapEmulatorConfig::new(root.path(), "alice", PASSWORD))
        .await
        .unwrap();
    (root, emu)
}

/// Both panes on `local`, the password of `emu`'s alice known, the right pane opened on
/// the NAS at `/Public` through Alt-N; the left pane active.
async fn start_with_nas(local: &Path, emu: &nascmd::emulator::RunningEmulator) -> Rt {
    let ctx = ConnectContext::isolated().with_password(
        &format!("http://{}", emu.addr),
        "alice",
        nascmd::secret::Secret::new(PASSWORD),
    );
    let mut rt = start_with_context(local, local, ctx).await;
    keys(&mut rt, &[k(KeyCode::Tab), alt('n')]).await;
    typ(&mut rt, &format!("{}/Public", nas_url(emu))).await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public",
        "{}",
        screen(&rt)
    );
    keys(&mut rt, &[k(KeyCode::Tab)]).await;
    rt
}

fn nas_url(emu: &nascmd::emulator::RunningEmulator) -> String {
    format!("qnap://alice@{}", emu.addr)
}

fn overrides(pairs: &[(&str, &str)]) -> Keymap {
    let map = pairs
        .iter()
        .map(|(a, k)| ((*a).to_owned(), (*k).to_owned()))
        .collect();
    let (km, errors) = Keymap::with_overrides(&map);
    assert!(errors.is_empty(), "{errors:?}");
    km
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_without_an_action_says_so() {
    let l = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("a.txt"), b"x").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    keys(&mut rt, &[alt('z')]).await;
    let s = screen(&rt);
    assert!(
        s.contains("Alt-Z: no action here — F1 lists the keys"),
        "{s}"
    );
    // The next key that does something takes the line back.
    keys(&mut rt, &[k(KeyCode::Down)]).await;
    assert!(!screen(&rt).contains("no action here"));
    keys(&mut rt, &[k(KeyCode::F(11))]).await;
    assert!(screen(&rt).contains("F11: no action here"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remapped_keys_answer_and_the_old_ones_say_no_action() {
    let l = tempfile::tempdir().unwrap();
    let km = overrides(&[("swap_panels", "alt-w")]);
    let r = tempfile::tempdir().unwrap();
    let mut rt = start_with(l.path(), r.path(), km).await;
    keys(&mut rt, &[ctrl('u')]).await;
    assert!(screen(&rt).contains("Ctrl-U: no action here"));
    keys(&mut rt, &[alt('w')]).await;
    assert_eq!(rt.app.pane(Side::Left).cwd, vpath(r.path()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_u_swaps_and_alt_i_alt_o_fill_the_other_pane() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(l.path().join("inner/deeper")).unwrap();
    std::fs::write(r.path().join("right-only.txt"), b"r").unwrap();
    let mut rt = start(l.path(), r.path()).await;
    go_to(&mut rt, "inner").await;

    // Ctrl-U: the listings change sides, the focus follows the listing it was on.
    keys(&mut rt, &[ctrl('u')]).await;
    assert_eq!(rt.app.pane(Side::Left).cwd, vpath(r.path()));
    assert_eq!(rt.app.pane(Side::Right).cwd, vpath(l.path()));
    assert_eq!(rt.app.active, Side::Right);
    assert_eq!(rt.app.active_pane().current_entry().unwrap().name, "inner");
    let s = screen(&rt);
    let row = s.lines().find(|l| l.contains("right-only.txt")).unwrap();
    assert!(
        row.find("right-only.txt").unwrap() < 60,
        "right-only.txt drawn in the left half: {s}"
    );

    // Alt-O: the other pane opens the folder under the cursor.
    keys(&mut rt, &[alt('o')]).await;
    assert_eq!(rt.app.pane(Side::Left).cwd, vpath(&l.path().join("inner")));
    assert!(screen(&rt).contains("/deeper"));

    // Alt-I: the other pane shows this folder.
    keys(&mut rt, &[k(KeyCode::Tab)]).await;
    go_to(&mut rt, "deeper").await;
    keys(&mut rt, &[k(KeyCode::Enter), alt('i')]).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd,
        vpath(&l.path().join("inner/deeper"))
    );

    // Alt-O on a file: says so.
    keys(&mut rt, &[k(KeyCode::Tab)]).await;
    std::fs::write(l.path().join("inner/deeper/f.txt"), b"f").unwrap();
    keys(&mut rt, &[ctrl('r')]).await;
    go_to(&mut rt, "f.txt").await;
    keys(&mut rt, &[alt('o')]).await;
    assert!(screen(&rt).contains("Alt-O: the cursor is not on a folder"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_o_and_alt_i_between_local_and_nas_say_why_not() {
    let (_root, emu) = qnap_nas().await;
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir(local.path().join("here")).unwrap();
    let mut rt = start_with_nas(local.path(), &emu).await;
    go_to(&mut rt, "here").await;
    keys(&mut rt, &[alt('o')]).await;
    let s = screen(&rt);
    assert!(
        s.contains("Alt-O: a folder of local cannot open in the other pane (qnap alice@"),
        "{s}"
    );
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public");
    // From the NAS pane to a local pane: the same.
    keys(&mut rt, &[k(KeyCode::Tab), alt('i')]).await;
    assert!(screen(&rt).contains("Alt-I: a folder of qnap alice@"));
    assert_eq!(rt.app.pane(Side::Left).cwd, vpath(local.path()));
    // Swapping moves the NAS pane to the left.
    keys(&mut rt, &[ctrl('u')]).await;
    assert_eq!(rt.app.pane(Side::Left).cwd.as_str(), "/Public");
    assert!(rt.app.pane(Side::Left).vfs.label().starts_with("qnap"));
    assert_eq!(rt.app.active, Side::Left);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_y_alt_u_step_through_the_history_and_alt_h_lists_it() {
    let l = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(l.path().join("one/two")).unwrap();
    let mut rt = start(l.path(), l.path()).await;
    let at = |rt: &Rt| rt.app.pane(Side::Left).cwd.clone();
    go_to(&mut rt, "one").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    go_to(&mut rt, "two").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(at(&rt), vpath(&l.path().join("one/two")));

    keys(&mut rt, &[alt('y')]).await;
    assert_eq!(at(&rt), vpath(&l.path().join("one")));
    keys(&mut rt, &[alt('y')]).await;
    assert_eq!(at(&rt), vpath(l.path()));
    keys(&mut rt, &[alt('y')]).await;
    assert!(screen(&rt).contains("No folder further back"));
    keys(&mut rt, &[alt('u'), alt('u')]).await;
    assert_eq!(at(&rt), vpath(&l.path().join("one/two")));
    keys(&mut rt, &[alt('u')]).await;
    assert!(screen(&rt).contains("No folder further forward"));

    // Alt-H: all three folders, the cursor on the current one; Up, Enter goes there.
    keys(&mut rt, &[alt('y'), alt('h')]).await;
    let s = screen(&rt);
    assert!(s.contains("Folder history"), "{s}");
    let base = l.path().to_str().unwrap();
    for p in ["", "/one", "/one/two"] {
        assert!(s.contains(&format!("│{base}{p} ")), "{p}: {s}");
    }
    keys(&mut rt, &[alt('z')]).await;
    assert!(screen(&rt).contains("Alt-Z: no action in the history list"));
    keys(&mut rt, &[k(KeyCode::Up), k(KeyCode::Enter)]).await;
    assert!(!screen(&rt).contains("Folder history"));
    assert_eq!(at(&rt), vpath(l.path()));
    // Picking is a visit: the way forward is gone, the way back leads to `one`.
    keys(&mut rt, &[alt('u')]).await;
    assert!(screen(&rt).contains("No folder further forward"));
    keys(&mut rt, &[alt('y')]).await;
    assert_eq!(at(&rt), vpath(&l.path().join("one")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_goes_back_across_local_and_nas() {
    let (_root, emu) = qnap_nas().await;
    let local = tempfile::tempdir().unwrap();
    let mut rt = start_with_nas(local.path(), &emu).await;
    keys(&mut rt, &[k(KeyCode::Tab)]).await;
    go_to(&mut rt, "docs").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public/docs");
    // Back twice: /Public on the NAS, then the local folder the pane showed before.
    keys(&mut rt, &[alt('y')]).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public");
    keys(&mut rt, &[alt('y')]).await;
    assert_eq!(rt.app.pane(Side::Right).cwd, vpath(local.path()));
    assert_eq!(rt.app.pane(Side::Right).vfs.label(), "local");
    // Forward again: the NAS opens again (the connect dialog, the known password).
    keys(&mut rt, &[alt('u')]).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public",
        "{}",
        screen(&rt)
    );
    assert!(rt.app.pane(Side::Right).vfs.label().starts_with("qnap"));
    keys(&mut rt, &[alt('u')]).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), "/Public/docs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_backslash_hotlist_adds_goes_and_removes_in_the_config_file() {
    let (_root, emu) = qnap_nas().await;
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir(local.path().join("work")).unwrap();
    let conf_dir = tempfile::tempdir().unwrap();
    let conf = conf_dir.path().join("config.toml");
    std::fs::write(&conf, "# my settings\n[ui]\ntheme = \"mc\"\n").unwrap();
    let mut rt = start_with_nas(local.path(), &emu).await;
    rt = rt.with_config_file(conf.clone());
    let hotlist = || nascmd::config::Config::load(&conf).unwrap().hotlist.folders;

    // Add the local folder (Ctrl-\ as crossterm reports byte 0x1c: Ctrl-4).
    go_to(&mut rt, "work").await;
    keys(&mut rt, &[k(KeyCode::Enter), ctrl('4')]).await;
    let s = screen(&rt);
    assert!(
        s.contains("Folder hotlist") && s.contains("The hotlist is empty"),
        "{s}"
    );
    keys(&mut rt, &[k(KeyCode::Insert)]).await;
    let work = local.path().join("work").to_str().unwrap().to_owned();
    assert_eq!(hotlist(), vec![work.clone()]);
    keys(&mut rt, &[k(KeyCode::Esc)]).await;

    // Add the NAS folder from the right pane (Ctrl-\ as a kitty-style terminal sends it).
    keys(&mut rt, &[k(KeyCode::Tab)]).await;
    go_to(&mut rt, "docs").await;
    keys(
        &mut rt,
        &[k(KeyCode::Enter), ctrl('\\'), k(KeyCode::Char('a'))],
    )
    .await;
    let nas_docs = format!("{}/Public/docs", nas_url(&emu));
    assert_eq!(hotlist(), [work.clone(), nas_docs.clone()]);
    let s = screen(&rt);
    assert!(s.contains(&nas_docs) && s.contains(&work), "{s}");
    // The user's own lines stay.
    assert!(
        std::fs::read_to_string(&conf)
            .unwrap()
            .starts_with("# my settings")
    );
    keys(&mut rt, &[k(KeyCode::Esc)]).await;

    // Go: the local folder opens in the (NAS) active pane.
    keys(&mut rt, &[ctrl('4'), k(KeyCode::Enter)]).await;
    assert_eq!(rt.app.pane(Side::Right).cwd.as_str(), work);
    assert_eq!(rt.app.pane(Side::Right).vfs.label(), "local");
    // ... and the NAS folder back in it.
    keys(&mut rt, &[ctrl('4'), k(KeyCode::Down), k(KeyCode::Enter)]).await;
    assert_eq!(
        rt.app.pane(Side::Right).cwd.as_str(),
        "/Public/docs",
        "{}",
        screen(&rt)
    );
    assert!(rt.app.pane(Side::Right).vfs.label().starts_with("qnap"));

    // Remove the first one.
    keys(&mut rt, &[ctrl('4'), k(KeyCode::Delete)]).await;
    assert_eq!(hotlist(), vec![nas_docs]);
    assert!(screen(&rt).contains("Removed"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_c_quick_cd_takes_paths_and_nas_places() {
    let (_root, emu) = qnap_nas().await;
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(local.path().join("a/b")).unwrap();
    let mut rt = start_with_nas(local.path(), &emu).await;
    let left = |rt: &Rt| rt.app.pane(Side::Left).cwd.clone();

    // A relative path, then `..`.
    keys(&mut rt, &[alt('c')]).await;
    assert!(screen(&rt).contains("Quick cd"));
    typ(&mut rt, "a/b").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(left(&rt), vpath(&local.path().join("a/b")));
    keys(&mut rt, &[alt('c')]).await;
    typ(&mut rt, "../..").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(left(&rt), vpath(local.path()));

    // A NAS URL in the local pane: it becomes a NAS pane at that folder.
    keys(&mut rt, &[alt('c')]).await;
    typ(&mut rt, &format!("{}/Public/docs", nas_url(&emu))).await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(left(&rt).as_str(), "/Public/docs", "{}", screen(&rt));
    assert!(rt.app.pane(Side::Left).vfs.label().starts_with("qnap"));
    assert!(screen(&rt).contains("a.txt"));

    // An absolute path in a NAS pane stays on that NAS.
    keys(&mut rt, &[alt('c')]).await;
    typ(&mut rt, "/Public").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    assert_eq!(left(&rt).as_str(), "/Public");
    assert!(screen(&rt).contains("top.txt"));

    // A local path by name from the NAS pane: an absolute path would be the NAS's, so
    // an unknown NAME: is an error naming it.
    keys(&mut rt, &[alt('c')]).await;
    typ(&mut rt, "nosuchremote:/x").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    let s = screen(&rt);
    assert!(s.contains("nosuchremote"), "{s}");
    assert_eq!(left(&rt).as_str(), "/Public");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_space_adds_up_folders_locally_and_on_the_nas() {
    let (_root, emu) = qnap_nas().await;
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(local.path().join("tree/sub")).unwrap();
    std::fs::write(local.path().join("tree/a.bin"), vec![0u8; 1000]).unwrap();
    std::fs::write(local.path().join("tree/sub/b.bin"), vec![0u8; 24]).unwrap();
    std::fs::write(local.path().join("loose.txt"), vec![0u8; 5]).unwrap();
    let mut rt = start_with_nas(local.path(), &emu).await;
    // Ctrl-Space arrives as NUL, which crossterm reports as Ctrl + ' '.
    let ctrl_space = KeyEvent::new(KeyCode::Char(' '), KeyModifiers::CONTROL);

    go_to(&mut rt, "tree").await;
    keys(&mut rt, &[ctrl_space]).await;
    let s = screen(&rt);
    assert!(
        s.contains("Size of \"tree\": 1 KiB (1024 bytes) in 2 files, 1 folder"),
        "{s}"
    );
    // The selection: a folder and a file.
    keys(&mut rt, &[k(KeyCode::Insert)]).await;
    go_to(&mut rt, "loose.txt").await;
    keys(&mut rt, &[k(KeyCode::Insert), ctrl_space]).await;
    let s = screen(&rt);
    assert!(s.contains("Size of 2 items: "), "{s}");
    assert!(s.contains(" (1029 bytes) in 3 files, 1 folder"), "{s}");

    // On the NAS: /Public holds docs/a.txt (5 bytes) and top.txt (3 bytes); on `..`
    // Ctrl-Space sizes the folder shown.
    keys(&mut rt, &[k(KeyCode::Tab), k(KeyCode::Home), ctrl_space]).await;
    assert!(
        screen(&rt).contains("Size of \"Public\": 8 B (8 bytes) in 2 files, 1 folder"),
        "{}",
        screen(&rt)
    );
    // Remapped: ctrl-@ as other terminals report it is bound by default too.
    keys(
        &mut rt,
        &[
            k(KeyCode::Down),
            KeyEvent::new(KeyCode::Char('@'), KeyModifiers::CONTROL),
        ],
    )
    .await;
    assert!(screen(&rt).contains("Size of \"docs\": 5 B (5 bytes) in 1 file"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f9_menu_lists_every_action_by_area_and_runs_one() {
    let l = tempfile::tempdir().unwrap();
    std::fs::create_dir(l.path().join("sub")).unwrap();
    let mut rt = start(l.path(), l.path()).await;
    assert!(screen(&rt).contains("9Menu"), "{}", screen(&rt));
    keys(&mut rt, &[k(KeyCode::F(9))]).await;
    let s = screen(&rt);
    let top = s.lines().next().unwrap();
    for area in ["File", "Panel", "Command", "NAS", "Help"] {
        assert!(top.contains(area), "{top}");
    }
    assert!(s.contains("Copy the selection"), "{s}");
    assert!(s.contains("F5"), "{s}");
    // Right twice: Command, with Find on Alt-? (and no longer on F9).
    keys(&mut rt, &[k(KeyCode::Right), k(KeyCode::Right)]).await;
    let s = screen(&rt);
    assert!(s.contains("Find files by name"), "{s}");
    assert!(s.contains("Alt-?"), "{s}");
    assert!(s.contains("Quick cd"), "{s}");
    assert!(!s.contains("Copy the selection"), "{s}");
    // Down to Find, Enter: the menu closes and the search dialog opens.
    keys(
        &mut rt,
        &[k(KeyCode::Down), k(KeyCode::Down), k(KeyCode::Enter)],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("Find file"), "{s}");
    assert!(!s.contains("Quick cd"), "{s}");
    keys(&mut rt, &[k(KeyCode::Esc)]).await;
    // Left wraps to Help; Esc closes the menu; F9 again closes it too.
    keys(&mut rt, &[k(KeyCode::F(9)), k(KeyCode::Left)]).await;
    assert!(screen(&rt).contains("Show this list of keys"));
    keys(&mut rt, &[k(KeyCode::Esc)]).await;
    assert!(!screen(&rt).contains("Show this list of keys"));
    keys(&mut rt, &[k(KeyCode::F(9)), k(KeyCode::F(9))]).await;
    assert!(!screen(&rt).contains("Copy the selection"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_menu_shows_remapped_keys() {
    let l = tempfile::tempdir().unwrap();
    let km = overrides(&[("copy", "ctrl-k"), ("menu", "F12")]);
    let mut rt = start_with(l.path(), l.path(), km).await;
    assert!(!screen(&rt).contains("9Menu"));
    keys(&mut rt, &[k(KeyCode::F(12))]).await;
    let s = screen(&rt);
    let row = s
        .lines()
        .find(|l| l.contains("Copy the selection"))
        .unwrap();
    assert!(row.contains("Ctrl-k"), "{row}");
}

async fn click(rt: &mut Rt, column: u16, row: u16, times: usize) {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let press = MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let events: Vec<std::io::Result<Event>> = (0..times).map(|_| Ok(Event::Mouse(press))).collect();
    rt.run_until_idle(futures_util::stream::iter(events), Duration::from_secs(60))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_double_click_opens_a_folder_and_views_a_file() {
    let l = tempfile::tempdir().unwrap();
    std::fs::create_dir(l.path().join("folder")).unwrap();
    std::fs::write(l.path().join("note.txt"), b"hello from the note").unwrap();
    let mut rt = start(l.path(), l.path()).await;
    let a = nascmd::app::layout::areas(120, 40, 0);
    let rows = nascmd::app::layout::pane_rows(a.panes[0]);
    // Row 0 is `..`; the folder comes first, then the file.
    let (x, folder_y, file_y) = (rows.x + 2, rows.y + 1, rows.y + 2);
    click(&mut rt, x, file_y, 1).await;
    assert_eq!(
        rt.app.active_pane().current_entry().unwrap().name,
        "note.txt"
    );
    assert!(!screen(&rt).contains("hello from the note"));
    click(&mut rt, x, file_y, 2).await;
    assert!(
        screen(&rt).contains("hello from the note"),
        "{}",
        screen(&rt)
    );
    keys(&mut rt, &[k(KeyCode::Esc)]).await;
    // One press on each of two rows is no double click.
    click(&mut rt, x, file_y, 1).await;
    click(&mut rt, x, folder_y, 1).await;
    assert_eq!(rt.app.active_pane().cwd, vpath(l.path()));
    assert!(!screen(&rt).contains("hello from the note"));
    click(&mut rt, x, folder_y, 2).await;
    assert_eq!(rt.app.active_pane().cwd, vpath(&l.path().join("folder")));
}

/// The layers older than the unbound-key message say it too, through the same helper: a
/// confirmation (which stays open, nothing deleted), the jobs panel, search results.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbound_keys_in_a_dialog_the_jobs_panel_and_search_results_say_so() {
    let l = tempfile::tempdir().unwrap();
    let r = tempfile::tempdir().unwrap();
    std::fs::write(l.path().join("doomed.txt"), b"d").unwrap();
    std::fs::write(l.path().join("big.bin"), vec![7u8; 4 * 1024 * 1024]).unwrap();
    let mut rt = start(l.path(), r.path()).await;
    let says = |rt: &Rt| screen(rt).contains("Alt-Z: no action here — F1 lists the keys");

    go_to(&mut rt, "doomed.txt").await;
    keys(&mut rt, &[k(KeyCode::F(8)), alt('z')]).await;
    assert!(says(&rt), "{}", screen(&rt));
    assert!(rt.app.layers.top_dialog().is_some(), "{}", screen(&rt));
    keys(&mut rt, &[k(KeyCode::Esc)]).await;
    assert!(l.path().join("doomed.txt").exists());

    go_to(&mut rt, "big.bin").await;
    keys(&mut rt, &[k(KeyCode::F(5)), k(KeyCode::Enter), alt('j')]).await;
    assert!(
        screen(&rt).contains("done: Copied 1 item"),
        "{}",
        screen(&rt)
    );
    keys(&mut rt, &[alt('z')]).await;
    let s = screen(&rt);
    assert!(says(&rt), "{s}");
    assert!(s.contains("done: Copied 1 item"), "the panel closed: {s}");
    keys(&mut rt, &[k(KeyCode::Esc)]).await;

    keys(&mut rt, &[alt('?')]).await;
    typ(&mut rt, "doomed").await;
    keys(&mut rt, &[k(KeyCode::Enter)]).await;
    keys(&mut rt, &[alt('z')]).await;
    assert!(says(&rt), "{}", screen(&rt));
    assert!(rt.app.layers.search().is_some());
}

/// Alt and a letter is not the letter: in the jobs panel Alt-X does not forget (x
/// does), in its confirmation Alt-Y does not confirm, in a sync preview Alt-Space does
/// not untick; each says it does nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_letters_do_not_act_as_bare_letters_in_panels() {
    let home = Sandbox::new();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(a.join("new.txt"), b"only at A").unwrap();
    let ends = Ends {
        a: (jobs::local(), vpath(&b)),
        b: (jobs::local(), vpath(&a)),
    };
    let places = JobPlaces {
        src: "local".to_owned(),
        dst: "local".to_owned(),
    };
    // A paused sync B → A (nothing to do any more, but it is not run here).
    let header = SyncJobs::header(&places, &ends, Direction::AToB, false);
    let journal = Journal::at(jobs_dir(&home));
    drop(
        journal
            .open_with(&header, true, Some(&SyncPlanRecord::default()))
            .unwrap(),
    );
    let ctx = profile_context(&home);
    let mut rt = journaling_commander_sized(&a, &b, &home, ctx, (160, 30), SETTLE_LIMIT).await;

    settle(&mut rt, vec![alt('j'), alt('x')]).await;
    let s = screen(&rt);
    assert!(!s.contains("Forget paused job"), "{s}");
    assert!(s.contains("Alt-X: no action here"), "{s}");
    settle(&mut rt, vec![ch('x'), alt('y')]).await;
    let s = screen(&rt);
    assert!(s.contains("Forget paused job"), "{s}");
    assert_eq!(journal_names(&home).len(), 1, "Alt-Y confirmed");
    settle(&mut rt, vec![ch('n'), k(KeyCode::Esc)]).await;

    // The sync preview: one copy, ticked; Alt-Space leaves it so.
    settle(&mut rt, vec![ctrl('x'), ch('s'), k(KeyCode::Enter)]).await;
    let s = screen(&rt);
    assert!(s.contains("new.txt"), "{s}");
    let ticked = s
        .lines()
        .find(|l| l.contains("new.txt"))
        .unwrap()
        .to_owned();
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Char(' '), KeyModifiers::ALT)],
    )
    .await;
    let s = screen(&rt);
    let row = s.lines().find(|l| l.contains("new.txt")).unwrap();
    assert_eq!(row, ticked, "{s}");
    // The preview covers the status line; the message is there all the same.
    let status = rt.app.status.as_ref().map(|s| s.text.clone());
    assert!(
        status
            .as_deref()
            .is_some_and(|t| t.contains("no action here")),
        "{status:?}"
    );
    // A bare Space does untick it.
    settle(&mut rt, vec![ch(' ')]).await;
    let s = screen(&rt);
    let row = s.lines().find(|l| l.contains("new.txt")).unwrap();
    assert_ne!(row, ticked, "{s}");
}
