//! Moving around a pane: listing order, keys, folders, reloads, selection, sort,
//! filter and jump.

use crossterm::event::KeyCode;

use super::*;

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
        page: Err(crate::vfs::VfsError::PermissionDenied("/x".into())),
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
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Input { .. })
    ));
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
fn a_special_file_is_not_opened_in_the_viewer() {
    let mut app = app();
    let (side, req, _) = list_req(&app.update(ctrl('r')));
    let pipe = Entry {
        kind: EntryKind::Special,
        ..file("pipe", 0)
    };
    feed(&mut app, (side, req), vec![pipe]);
    app.update(key(KeyCode::Down));
    assert_eq!(cursor_name(&app), "pipe");
    for k in [KeyCode::F(3), KeyCode::Enter] {
        let cmds = app.update(key(k));
        assert!(cmds.is_empty(), "{cmds:?}");
        assert!(app.layers.viewer().is_none());
        assert!(
            app.status
                .as_ref()
                .is_some_and(|s| s.error && s.text.contains("special file"))
        );
    }
}

#[test]
fn help_scrolls_to_its_last_line_and_no_further() {
    let mut app = app(); // 80×24: the help does not fit
    let end = app.help_max_scroll();
    assert!(end > 0);
    app.update(key(KeyCode::F(1)));
    for _ in 0..20 {
        app.update(key(KeyCode::PageDown));
    }
    assert!(matches!(app.layers.dialogs().last(), Some(Dialog::Help { scroll }) if *scroll == end));
    app.update(key(KeyCode::Home));
    app.update(key(KeyCode::End));
    assert!(matches!(app.layers.dialogs().last(), Some(Dialog::Help { scroll }) if *scroll == end));
    app.update(key(KeyCode::Up));
    assert!(
        matches!(app.layers.dialogs().last(), Some(Dialog::Help { scroll }) if *scroll == end - 1)
    );
    // On a screen where it all fits there is nothing to scroll.
    app.update(Msg::Resize(200, 120));
    assert_eq!(app.help_max_scroll(), 0);
}
