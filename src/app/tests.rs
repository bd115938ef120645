//! `App::update` driven by messages; state read back. No I/O happens here: listings are
//! fed as `Msg::Listed`, commands are inspected.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::jobs::{ConflictAnswer, JobEvent, JobKind, JobReport};
use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::vfs::local::LocalFs;
use crate::vfs::{Entry, EntryKind, VPath, VfsHandle};

fn file(name: &str, size: u64) -> Entry {
    Entry {
        name: name.into(),
        kind: EntryKind::File,
        size,
        mtime: Some(size as i64),
        mode: None,
        readonly: false,
    }
}

fn dir(name: &str) -> Entry {
    Entry {
        kind: EntryKind::Dir,
        size: 0,
        ..file(name, 0)
    }
}

fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// An app with the left pane on /data and the right on /backup, both listed.
fn app() -> App {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let left = Pane::new(vfs.clone(), p("/data"));
    let right = Pane::new(vfs, p("/backup"));
    let (mut app, cmds) = App::new(left, right, Keymap::default(), Theme::built_in_default());
    app.update(Msg::Resize(80, 24));
    let reqs: Vec<(Side, RequestId)> = cmds
        .iter()
        .map(|c| match c {
            Cmd::List { side, req, .. } => (*side, *req),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(reqs.len(), 2);
    let left_entries = vec![
        file("notes.txt", 300),
        dir("photos"),
        file("a10.txt", 10),
        file("a2.txt", 20),
        file(".secret", 5),
        dir("music"),
        file("b.rs", 1000),
    ];
    feed(&mut app, reqs[0], left_entries);
    feed(&mut app, reqs[1], vec![dir("old")]);
    app
}

fn feed(app: &mut App, (side, req): (Side, RequestId), entries: Vec<Entry>) {
    app.update(Msg::Listed {
        side,
        req,
        page: Ok(entries),
        done: true,
    });
}

fn list_req(cmds: &[Cmd]) -> (Side, RequestId, VPath) {
    cmds.iter()
        .find_map(|c| match c {
            Cmd::List { side, req, dir, .. } => Some((*side, *req, dir.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no List in {cmds:?}"))
}

fn rows(app: &App, side: Side) -> Vec<String> {
    let pane = app.pane(side);
    (0..pane.row_count())
        .map(|i| match pane.row(i).unwrap() {
            Row::Parent => "..".to_owned(),
            Row::Entry(e) => e.name.clone(),
        })
        .collect()
}

fn cursor_name(app: &App) -> String {
    rows(app, app.active)[app.active_pane().cursor].clone()
}

#[test]
fn folders_first_natural_order_hidden_off() {
    let app = app();
    assert_eq!(
        rows(&app, Side::Left),
        [
            "..",
            "music",
            "photos",
            "a2.txt",
            "a10.txt",
            "b.rs",
            "notes.txt"
        ]
    );
}

#[test]
fn navigation_keys_move_the_cursor() {
    let mut app = app();
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(cursor_name(&app), "photos");
    app.update(key(KeyCode::End));
    assert_eq!(cursor_name(&app), "notes.txt");
    app.update(key(KeyCode::Down));
    assert_eq!(cursor_name(&app), "notes.txt", "stays on the last row");
    app.update(key(KeyCode::Home));
    assert_eq!(cursor_name(&app), "..");
    app.update(key(KeyCode::PageDown));
    assert_eq!(cursor_name(&app), "notes.txt");
    app.update(key(KeyCode::Tab));
    assert_eq!(app.active, Side::Right);
}

#[test]
fn enter_opens_and_backspace_lands_on_the_folder_we_came_from() {
    let mut app = app();
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down)); // photos
    let cmds = app.update(key(KeyCode::Enter));
    let (side, req, d) = list_req(&cmds);
    assert_eq!(d, p("/data/photos"));
    // Until the first page arrives the old folder stays.
    assert_eq!(app.active_pane().cwd, p("/data"));
    feed(&mut app, (side, req), vec![file("x.jpg", 1)]);
    assert_eq!(app.active_pane().cwd, p("/data/photos"));
    assert_eq!(rows(&app, Side::Left), ["..", "x.jpg"]);

    let cmds = app.update(key(KeyCode::Backspace));
    let (side, req, d) = list_req(&cmds);
    assert_eq!(d, p("/data"));
    feed(
        &mut app,
        (side, req),
        vec![dir("music"), dir("photos"), dir("zeta")],
    );
    assert_eq!(cursor_name(&app), "photos");

    // `..` row + Enter does the same.
    let cmds = app.update(key(KeyCode::Home));
    assert!(cmds.is_empty());
    let (side, req, d) = list_req(&app.update(key(KeyCode::Enter)));
    assert_eq!(d, p("/"));
    feed(&mut app, (side, req), vec![dir("backup"), dir("data")]);
    assert_eq!(cursor_name(&app), "data");
}

#[test]
fn stale_listing_is_dropped_and_failure_keeps_the_folder() {
    let mut app = app();
    app.update(key(KeyCode::Down));
    let (side, old_req, _) = list_req(&app.update(key(KeyCode::Enter))); // music
    app.update(key(KeyCode::Backspace)); // still /data: lists /data again? no: up from /data
    // A newer request replaced the first: its answer is ignored.
    feed(&mut app, (side, old_req), vec![file("late.mp3", 1)]);
    assert!(!rows(&app, Side::Left).contains(&"late.mp3".to_owned()));

    let (side, req, _) = list_req(&app.update(key(KeyCode::Enter)));
    app.update(Msg::Listed {
        side,
        req,
        page: Err("permission denied: /x".into()),
        done: true,
    });
    assert!(
        app.status
            .as_ref()
            .is_some_and(|s| s.error && s.text.contains("permission denied"))
    );
    assert!(app.active_pane().loading.is_none());
}

#[test]
fn cursor_stays_on_its_entry_across_reload_and_pages() {
    let mut app = app();
    app.update(key(KeyCode::End)); // notes.txt
    let (side, req, d) = list_req(&app.update(ctrl('r')));
    assert_eq!(d, p("/data"));
    // The folder changed meanwhile and arrives in two pages; notes.txt in the second.
    app.update(Msg::Listed {
        side,
        req,
        page: Ok(vec![
            file("aaa.txt", 1),
            file("zzz.txt", 1),
            file("mmm.txt", 1),
        ]),
        done: false,
    });
    assert_eq!(app.active_pane().cwd, p("/data"));
    app.update(Msg::Listed {
        side,
        req,
        page: Ok(vec![file("notes.txt", 1), file("b.rs", 2)]),
        done: true,
    });
    assert_eq!(
        rows(&app, Side::Left),
        ["..", "aaa.txt", "b.rs", "mmm.txt", "notes.txt", "zzz.txt"]
    );
    assert_eq!(cursor_name(&app), "notes.txt");
}

#[test]
fn selection_insert_invert_glob_and_summary() {
    let mut app = app();
    app.update(key(KeyCode::Down)); // music
    app.update(key(KeyCode::Insert)); // selects music, moves to photos
    assert_eq!(cursor_name(&app), "photos");
    app.update(key(KeyCode::Home));
    app.update(key(KeyCode::Insert)); // `..` cannot be selected
    assert_eq!(app.active_pane().selected.len(), 1);
    app.update(ch('*'));
    let mut sel: Vec<_> = app.active_pane().selected.iter().cloned().collect();
    sel.sort();
    assert_eq!(sel, ["a10.txt", "a2.txt", "b.rs", "notes.txt", "photos"]);
    assert_eq!(app.active_pane().selection_summary(), (5, 1330));

    app.update(ch('-'));
    assert!(matches!(app.dialogs.last(), Some(Dialog::Input { .. })));
    app.update(key(KeyCode::Backspace));
    for c in "*.TXT".chars() {
        app.update(ch(c));
    }
    app.update(key(KeyCode::Enter));
    let mut sel: Vec<_> = app.active_pane().selected.iter().cloned().collect();
    sel.sort();
    assert_eq!(sel, ["b.rs", "photos"], "glob is case-insensitive");
    app.update(ch('+'));
    app.update(key(KeyCode::Enter)); // "*"
    assert_eq!(
        app.active_pane().selected.len(),
        6,
        "hidden entries are not selected"
    );
}

#[test]
fn sort_keys_and_reverse_keep_folders_first() {
    let mut app = app();
    app.update(alt('3'));
    assert_eq!(
        rows(&app, Side::Left),
        [
            "..",
            "music",
            "photos",
            "a10.txt",
            "a2.txt",
            "notes.txt",
            "b.rs"
        ]
    );
    app.update(alt('3'));
    assert_eq!(
        rows(&app, Side::Left),
        [
            "..",
            "photos",
            "music",
            "b.rs",
            "notes.txt",
            "a2.txt",
            "a10.txt"
        ]
    );
    app.update(alt('2'));
    assert_eq!(rows(&app, Side::Left)[3], "b.rs");
    app.update(alt('.'));
    assert!(rows(&app, Side::Left).contains(&".secret".to_owned()));
}

#[test]
fn quick_filter_and_jump() {
    let mut app = app();
    app.update(ch('/'));
    app.update(ch('A'));
    assert_eq!(rows(&app, Side::Left), ["..", "a2.txt", "a10.txt"]);
    app.update(key(KeyCode::Enter));
    assert_eq!(app.active_pane().filter, "A", "Enter keeps the filter");
    app.update(key(KeyCode::Esc));
    assert_eq!(rows(&app, Side::Left).len(), 7);

    app.update(ctrl('s'));
    app.update(ch('n'));
    assert_eq!(cursor_name(&app), "notes.txt");
    app.update(ch('q')); // no name starts with "nq": ignored
    assert_eq!(cursor_name(&app), "notes.txt");
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    app.update(ch('a'));
    assert_eq!(cursor_name(&app), "a2.txt");
    app.update(ctrl('s'));
    assert_eq!(cursor_name(&app), "a10.txt", "Ctrl-S again: next match");
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.mode, Mode::Normal));
}

#[test]
fn delete_asks_first() {
    let mut app = app();
    app.update(key(KeyCode::End));
    assert!(app.update(key(KeyCode::F(8))).is_empty());
    assert!(matches!(app.dialogs.last(), Some(Dialog::Confirm { .. })));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.dialogs.is_empty());
    app.update(key(KeyCode::F(8)));
    assert!(app.update(ch('n')).is_empty());
    app.update(key(KeyCode::F(8)));
    let cmds = app.update(key(KeyCode::Enter));
    match cmds.as_slice() {
        [Cmd::StartJob { spec, .. }] => {
            assert_eq!(spec.kind, JobKind::Delete);
            assert_eq!(spec.sources, vec![p("/data/notes.txt")]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn copy_dialog_targets_the_other_pane() {
    let mut app = app();
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::Insert));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Insert)); // a10.txt and notes.txt
    app.update(key(KeyCode::F(5)));
    match app.dialogs.last() {
        Some(Dialog::Input { input, .. }) => assert_eq!(input.value(), "/backup"),
        other => panic!("{other:?}"),
    }
    let cmds = app.update(key(KeyCode::Enter));
    match cmds.as_slice() {
        [Cmd::StartJob { spec, .. }] => {
            assert_eq!(spec.kind, JobKind::Copy);
            assert_eq!(spec.sources, vec![p("/data/a10.txt"), p("/data/notes.txt")]);
            assert_eq!(
                spec.dst.as_ref().map(|(_, d)| d.clone()),
                Some(p("/backup"))
            );
            assert_eq!(spec.rename_to, None);
        }
        other => panic!("{other:?}"),
    }
    assert!(app.active_pane().selected.is_empty());
}

#[test]
fn rename_with_f6_and_refusing_a_folder_into_itself() {
    let mut app = app();
    app.update(key(KeyCode::End)); // notes.txt
    app.update(key(KeyCode::F(6)));
    // Replace the prefilled target with a relative new name.
    for _ in 0.."/backup".len() {
        app.update(key(KeyCode::Backspace));
    }
    for c in "todo.txt".chars() {
        app.update(ch(c));
    }
    let cmds = app.update(key(KeyCode::Enter));
    match cmds.as_slice() {
        [Cmd::StartJob { spec, .. }] => {
            assert_eq!(spec.kind, JobKind::Move);
            assert_eq!(spec.dst.as_ref().map(|(_, d)| d.clone()), Some(p("/data")));
            assert_eq!(spec.rename_to.as_deref(), Some("todo.txt"));
        }
        other => panic!("{other:?}"),
    }
    app.update(key(KeyCode::Home));
    app.update(key(KeyCode::Down)); // music
    app.update(key(KeyCode::F(5)));
    for _ in 0.."/backup".len() {
        app.update(key(KeyCode::Backspace));
    }
    for c in "/data/music/sub".chars() {
        app.update(ch(c));
    }
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(matches!(
        app.dialogs.last(),
        Some(Dialog::Message { error: true, .. })
    ));
}

#[test]
fn mkdir_then_result_reloads_onto_the_new_folder() {
    let mut app = app();
    app.update(key(KeyCode::F(7)));
    for c in "new one".chars() {
        app.update(ch(c));
    }
    let cmds = app.update(key(KeyCode::Enter));
    match cmds.as_slice() {
        [
            Cmd::Mkdir {
                side: Side::Left,
                path,
                ..
            },
        ] => assert_eq!(*path, p("/data/new one")),
        other => panic!("{other:?}"),
    }
    let cmds = app.update(Msg::OpDone {
        side: Side::Left,
        result: Ok(()),
        focus: Some("new one".into()),
    });
    let (side, req, _) = list_req(&cmds);
    feed(
        &mut app,
        (side, req),
        vec![dir("music"), dir("new one"), file("z", 1)],
    );
    assert_eq!(cursor_name(&app), "new one");
    // A failure is shown, not swallowed.
    app.update(Msg::OpDone {
        side: Side::Left,
        result: Err("already exists: x".into()),
        focus: None,
    });
    assert!(matches!(
        app.dialogs.last(),
        Some(Dialog::Message { error: true, .. })
    ));
}

#[test]
fn conflict_dialog_answers_the_engine_and_jobs_panel_tracks_progress() {
    let mut app = app();
    app.update(Msg::JobStarted {
        id: 7,
        kind: JobKind::Copy,
        title: "Copy 2 items".into(),
    });
    assert_eq!(app.jobs.running(), 1);
    app.update(Msg::Job(JobEvent::Progress {
        id: 7,
        progress: crate::jobs::JobProgress {
            bytes_done: 50,
            bytes_total: 200,
            rate: 10.0,
            ..Default::default()
        },
    }));
    assert_eq!(app.jobs.items[0].ratio(), 0.25);
    assert_eq!(app.jobs.items[0].eta_secs(), Some(15));
    app.update(Msg::Job(JobEvent::Conflict {
        id: 7,
        target: p("/backup/notes.txt"),
        source: file("notes.txt", 300),
        existing: file("notes.txt", 100),
    }));
    assert!(matches!(app.dialogs.last(), Some(Dialog::Conflict(_))));
    app.update(ch('a'));
    let cmds = app.update(ch('o'));
    match cmds.as_slice() {
        [
            Cmd::AnswerConflict {
                id: 7,
                answer: ConflictAnswer::Overwrite,
                apply_to_all: true,
            },
        ] => {}
        other => panic!("{other:?}"),
    }
    // Rename asks for a name, prefilled.
    app.update(Msg::Job(JobEvent::Conflict {
        id: 7,
        target: p("/backup/b.rs"),
        source: file("b.rs", 3),
        existing: file("b.rs", 1),
    }));
    app.update(ch('r'));
    match app.dialogs.last() {
        Some(Dialog::Input { input, .. }) => assert_eq!(input.value(), "b (1).rs"),
        other => panic!("{other:?}"),
    }
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::AnswerConflict { answer: ConflictAnswer::Rename(n), .. }] if n == "b (1).rs")
    );

    // Cancel from the jobs panel asks first.
    app.update(alt('j'));
    assert!(matches!(app.mode, Mode::Jobs));
    app.update(key(KeyCode::Delete));
    let cmds = app.update(key(KeyCode::Enter));
    assert!(matches!(cmds.as_slice(), [Cmd::CancelJob(7)]));

    let report = JobReport {
        failed: vec![crate::jobs::ItemError {
            path: "/data/x".into(),
            message: "disk full".into(),
        }],
        ..Default::default()
    };
    let cmds = app.update(Msg::Job(JobEvent::Finished { id: 7, report }));
    assert_eq!(app.jobs.running(), 0);
    assert_eq!(
        cmds.iter()
            .filter(|c| matches!(c, Cmd::List { .. }))
            .count(),
        2,
        "both panes reload"
    );
    match app.dialogs.last() {
        Some(Dialog::Message {
            lines, error: true, ..
        }) => assert!(lines.iter().any(|l| l.contains("disk full"))),
        other => panic!("{other:?}"),
    }
}

#[test]
fn quit_asks_while_jobs_run() {
    let mut app = app();
    app.update(Msg::JobStarted {
        id: 1,
        kind: JobKind::Copy,
        title: "Copy".into(),
    });
    assert!(app.update(key(KeyCode::F(10))).is_empty());
    assert!(!app.quit);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::F(10)));
    let cmds = app.update(ch('y'));
    assert!(matches!(cmds.as_slice(), [Cmd::CancelJob(1), Cmd::Quit]));
    assert!(app.quit);
}

#[test]
fn mouse_click_picks_pane_and_row_wheel_scrolls() {
    use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = app();
    // Screen 80x24: right pane starts at column 40; rows start at line 2.
    app.update(mouse(MouseEventKind::Down(MouseButton::Left), 50, 3));
    assert_eq!(app.active, Side::Right);
    assert_eq!(cursor_name(&app), "old");
    app.update(mouse(MouseEventKind::ScrollDown, 10, 5));
    assert_eq!(app.active, Side::Right, "the wheel does not move the focus");
    assert_eq!(
        rows(&app, Side::Left)[app.pane(Side::Left).cursor],
        "a2.txt"
    );
    // A click on the key bar runs that key: F7 opens the mkdir dialog.
    app.update(mouse(
        MouseEventKind::Down(MouseButton::Left),
        6 * 8 + 2,
        23,
    ));
    assert!(matches!(
        app.dialogs.last(),
        Some(Dialog::Input {
            purpose: InputPurpose::Mkdir { side: Side::Right },
            ..
        })
    ));
}
