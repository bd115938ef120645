//! Operations: delete, copy, rename, mkdir, conflicts, the jobs panel, quitting and
//! the mouse.

use crossterm::event::{KeyCode, KeyModifiers};

use super::*;

#[test]
fn delete_asks_first() {
    let mut app = app();
    app.update(key(KeyCode::End));
    assert!(app.update(key(KeyCode::F(8))).is_empty());
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Confirm { .. })
    ));
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    assert!(app.layers.dialogs().next().is_none());
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
fn delete_of_what_a_running_job_uses_warns_and_enter_means_no() {
    let mut app = app();
    let here = app.pane(Side::Left).vfs.clone();
    // A job copies /data/photos to the other pane; the same path on another machine is
    // the target of a second job.
    app.update(Msg::JobStarted {
        id: 4,
        kind: JobKind::Copy,
        title: "Copy /data/photos to /backup".into(),
    });
    app.update(Msg::JobPlaces {
        id: 4,
        places: crate::app::jobs::Footprint(vec![
            (here.clone(), p("/data/photos")),
            (here, p("/backup/photos")),
        ]),
    });
    let elsewhere: VfsHandle = Arc::new(LocalFs::new());
    app.update(Msg::JobStarted {
        id: 5,
        kind: JobKind::Copy,
        title: "Copy to the NAS".into(),
    });
    app.update(Msg::JobPlaces {
        id: 5,
        places: crate::app::jobs::Footprint(vec![(elsewhere, p("/data/notes.txt"))]),
    });
    let lines_of = |app: &App| match app.layers.dialogs().last() {
        Some(Dialog::Confirm {
            lines, yes_focused, ..
        }) => (lines.join("\n"), *yes_focused),
        other => panic!("{other:?}"),
    };

    // The job's source: warned, and Enter answers No.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(cursor_name(&app), "photos");
    app.update(key(KeyCode::F(8)));
    let (lines, yes) = lines_of(&app);
    assert!(
        lines.contains("Still in use by the job \"Copy /data/photos to /backup\""),
        "{lines}"
    );
    assert!(!lines.contains("Copy to the NAS"), "{lines}");
    assert!(!yes);
    assert!(app.update(key(KeyCode::Enter)).is_empty());

    // A file no job on this machine uses: the plain question, Enter deletes.
    app.update(key(KeyCode::End));
    assert_eq!(cursor_name(&app), "notes.txt");
    app.update(key(KeyCode::F(8)));
    let (lines, yes) = lines_of(&app);
    assert!(!lines.contains("in use"), "{lines}");
    assert!(yes);
    assert!(matches!(
        app.update(key(KeyCode::Enter)).as_slice(),
        [Cmd::StartJob { .. }]
    ));
}

/// A job started in the app with its footprint, as the runtime reports it.
fn running_job(app: &mut App, id: u64, kind: JobKind, title: &str, places: Vec<(VfsHandle, &str)>) {
    app.update(Msg::JobStarted {
        id,
        kind,
        title: title.into(),
    });
    app.update(Msg::JobPlaces {
        id,
        places: crate::app::jobs::Footprint(
            places.into_iter().map(|(on, at)| (on, p(at))).collect(),
        ),
    });
}

/// Opens F5 or F6 on the cursor's entry, types `target` for the prefilled one and
/// presses Enter.
fn transfer_to(app: &mut App, f: u8, target: &str) -> Vec<Cmd> {
    app.update(key(KeyCode::F(f)));
    let prefilled = match app.layers.dialogs().last() {
        Some(Dialog::Input { input, .. }) => input.value().chars().count(),
        other => panic!("{other:?}"),
    };
    for _ in 0..prefilled {
        app.update(key(KeyCode::Backspace));
    }
    for c in target.chars() {
        app.update(ch(c));
    }
    app.update(key(KeyCode::Enter))
}

#[test]
fn moving_what_a_running_job_uses_or_writing_where_one_deletes_warns_and_enter_means_no() {
    let mut app = app();
    let here = app.pane(Side::Left).vfs.clone();
    running_job(
        &mut app,
        4,
        JobKind::Copy,
        "Copy /data/photos to /backup",
        vec![
            (here.clone(), "/data/photos"),
            (here.clone(), "/backup/photos"),
        ],
    );
    running_job(
        &mut app,
        5,
        JobKind::Copy,
        "Copy /x/song.flac to /backup/old",
        vec![
            (here.clone(), "/x/song.flac"),
            (here.clone(), "/backup/old/song.flac"),
        ],
    );
    running_job(
        &mut app,
        6,
        JobKind::Delete,
        "Delete /data/music",
        vec![(here, "/data/music")],
    );
    let confirm = |app: &App| match app.layers.dialogs().last() {
        Some(Dialog::Confirm {
            title,
            lines,
            yes_focused,
            ..
        }) => (title.clone(), lines.join("\n"), *yes_focused),
        other => panic!("{other:?}"),
    };

    // F6 of a running copy's source: warned, and Enter answers No.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(cursor_name(&app), "photos");
    assert!(transfer_to(&mut app, 6, "/backup/pics").is_empty());
    let (title, lines, yes) = confirm(&app);
    assert_eq!(title, "Move / rename");
    assert!(
        lines.contains("Move \"photos\" to /backup/pics?"),
        "{lines}"
    );
    assert!(
        lines.contains("Still in use by the job \"Copy /data/photos to /backup\"!"),
        "{lines}"
    );
    assert!(!lines.contains("song.flac"), "{lines}");
    assert!(!yes);
    assert!(app.update(key(KeyCode::Enter)).is_empty());
    assert!(app.layers.dialogs().next().is_none());
    // y goes ahead all the same, with what was typed.
    transfer_to(&mut app, 6, "/backup/pics");
    match app.update(ch('y')).as_slice() {
        [Cmd::StartJob { spec, .. }] => {
            assert_eq!(spec.kind, JobKind::Move);
            assert_eq!(spec.sources, vec![p("/data/photos")]);
            assert_eq!(spec.rename_to.as_deref(), Some("pics"));
        }
        other => panic!("{other:?}"),
    }
    // F5 of it elsewhere only reads beside the copy: no question.
    assert!(matches!(
        transfer_to(&mut app, 5, "/backup/pics").as_slice(),
        [Cmd::StartJob { .. }]
    ));
    // F5 of it to where the copy writes it: the same copy twice, asked first.
    assert!(transfer_to(&mut app, 5, "/backup").is_empty());
    let (_, lines, yes) = confirm(&app);
    assert!(
        lines.contains("Still in use by the job \"Copy /data/photos to /backup\"!"),
        "{lines}"
    );
    assert!(!yes);
    assert!(app.update(key(KeyCode::Esc)).is_empty());

    // F5 into a folder a running job deletes: warned, naming the delete.
    app.update(key(KeyCode::End));
    assert_eq!(cursor_name(&app), "notes.txt");
    assert!(transfer_to(&mut app, 5, "music").is_empty());
    let (title, lines, yes) = confirm(&app);
    assert_eq!(title, "Copy");
    assert!(
        lines.contains("Still in use by the job \"Delete /data/music\"!"),
        "{lines}"
    );
    assert!(!yes);
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    // Into a folder a running sync deletes: the same.
    let here = app.pane(Side::Left).vfs.clone();
    running_job(
        &mut app,
        7,
        JobKind::Sync,
        "Sync /data/photos → /backup/photos",
        vec![(here, "/backup/gone")],
    );
    assert!(transfer_to(&mut app, 5, "/backup/gone").is_empty());
    let (_, lines, yes) = confirm(&app);
    assert!(
        lines.contains("the job \"Sync /data/photos → /backup/photos\"!"),
        "{lines}"
    );
    assert!(!yes);
    assert!(app.update(key(KeyCode::Esc)).is_empty());
    // Elsewhere: the job starts at once.
    assert!(matches!(
        transfer_to(&mut app, 6, "/backup").as_slice(),
        [Cmd::StartJob { .. }]
    ));

    // F6 of a folder a running copy writes into, from the other pane.
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::End));
    assert_eq!(cursor_name(&app), "old");
    assert!(transfer_to(&mut app, 6, "older").is_empty());
    let (_, lines, yes) = confirm(&app);
    assert!(
        lines.contains("Still in use by the job \"Copy /x/song.flac to /backup/old\"!"),
        "{lines}"
    );
    assert!(!lines.contains("photos"), "{lines}");
    assert!(!yes);
}

#[test]
fn copy_dialog_says_which_verification_applies() {
    let mut app = app();
    app.verify = crate::jobs::Verify::Hash;
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::F(5)));
    match app.layers.dialogs().last() {
        // Both panes on the local disk: the disk copies natively, checked by size.
        Some(Dialog::Input { note, .. }) => assert_eq!(note.as_deref(), Some("Verify: size")),
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
    match app.layers.dialogs().last() {
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
        app.layers.dialogs().last(),
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
        result: Err(crate::vfs::VfsError::AlreadyExists("x".into())),
        focus: None,
    });
    assert!(matches!(
        app.layers.dialogs().last(),
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
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Conflict(_))
    ));
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
    match app.layers.dialogs().last() {
        Some(Dialog::Input { input, .. }) => assert_eq!(input.value(), "b (1).rs"),
        other => panic!("{other:?}"),
    }
    let cmds = app.update(key(KeyCode::Enter));
    assert!(
        matches!(cmds.as_slice(), [Cmd::AnswerConflict { answer: ConflictAnswer::Rename(n), .. }] if n == "b (1).rs")
    );

    // Cancel from the jobs panel asks first.
    app.update(alt('j'));
    assert!(app.jobs_panel_open());
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
    match app.layers.dialogs().last() {
        Some(Dialog::Message {
            title,
            lines,
            error: true,
            ..
        }) => {
            assert_eq!(title, "Copy failed");
            assert!(lines.iter().any(|l| l.contains("disk full")));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_job_that_left_one_item_out_did_not_fail() {
    let mut app = app();
    app.update(Msg::JobStarted {
        id: 3,
        kind: JobKind::Move,
        title: "Move deep".into(),
    });
    let report = JobReport {
        items_done: 300,
        failed: vec![crate::jobs::ItemError {
            path: "/data/deep/pipe".into(),
            message: "not copied: a special file (FIFO, socket or device)".into(),
        }],
        ..Default::default()
    };
    app.update(Msg::Job(JobEvent::Finished { id: 3, report }));
    match app.layers.dialogs().last() {
        Some(Dialog::Message { title, lines, .. }) => {
            assert_eq!(title, "Move done, 1 item not");
            assert!(
                lines[1].ends_with("pipe: not copied: a special file (FIFO, socket or device)")
            );
        }
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
    // It says what quitting does to the job: it stops, and comes back paused (it was
    // "Cancel them and quit?", while a quit keeps the job's journal).
    match app.layers.dialogs().last() {
        Some(Dialog::Confirm { lines, .. }) => {
            assert_eq!(lines[0], "1 job still running. Quit now?");
            assert!(
                lines[1].contains("comes back paused on the next start"),
                "{lines:?}"
            );
            assert!(!lines.concat().contains("ancel"), "{lines:?}");
        }
        other => panic!("{other:?}"),
    }
    app.update(key(KeyCode::Esc));
    app.update(Msg::JobStarted {
        id: 2,
        kind: JobKind::Delete,
        title: "Delete".into(),
    });
    app.update(key(KeyCode::F(10)));
    match app.layers.dialogs().last() {
        Some(Dialog::Confirm { lines, .. }) => {
            assert_eq!(lines[0], "2 jobs still running. Quit now?");
            assert!(
                lines[2].starts_with("A delete stops where it is"),
                "{lines:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::F(10)));
    let cmds = app.update(ch('y'));
    assert!(matches!(
        cmds.as_slice(),
        [Cmd::CancelJob(1), Cmd::CancelJob(2), Cmd::Quit]
    ));
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
        app.layers.dialogs().last(),
        Some(Dialog::Input {
            purpose: InputPurpose::Mkdir { side: Side::Right },
            ..
        })
    ));
}

#[test]
fn stale_temporaries_removed_by_a_job_are_told_in_the_status_line() {
    let mut app = app();
    app.update(Msg::Job(JobEvent::StaleRemoved {
        id: 3,
        folder: crate::vfs::VPath::parse("/data/in\u{1b}box").unwrap(),
        names: vec![".nascmd-part-x-old".into(), ".nascmd-part-x.resume".into()],
        bytes: 3 << 20,
    }));
    let status = app.status.as_ref().map(|s| s.text.clone()).unwrap();
    assert!(
        status.contains("removed 2 stale temporary files") && status.contains("3 MiB freed"),
        "{status}"
    );
    assert!(!status.contains('\u{1b}'), "{status}");
}
