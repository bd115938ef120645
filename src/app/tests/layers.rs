//! The layer stack: help generated from the key tables reads as it always did, and layers
//! keep their order whatever opened first.

use super::*;

#[test]
fn help_from_the_key_tables_reads_as_before() {
    let app = app();
    let lines = app.help_lines();
    let n = app.keymap.help_lines().len();
    let tail: Vec<(&str, &str)> = lines[n..]
        .iter()
        .map(|(k, d)| (k.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        tail,
        [
            (
                "Esc",
                "Clear the quick filter; close a dialog or the viewer"
            ),
            (
                "Mouse",
                "Click: pick a pane and row; wheel: scroll; click the key bar"
            ),
            (
                "In filter (/)",
                "Type to narrow, Enter keeps it, Esc clears it"
            ),
            (
                "In jump (Ctrl-S)",
                "Type a prefix; Ctrl-S next match; Enter opens"
            ),
            (
                "In jobs panel",
                "Up/Down pick, Del or c cancels (asks), Esc back"
            ),
            (
                "In viewer",
                "Arrows/PgUp/PgDn/Home/End scroll, F4 or h hex, Esc/q close"
            ),
            (
                "In share panel",
                "Enter/c copy URL, e change expiry/code, Del revoke, D revoke all, Q QR code, m e-mail a link, g go to file, Esc close"
            ),
            (
                "In share form",
                "Tab next field, Ctrl-G new access code (empty: none), Left/Right pick the link's host, Enter OK, Esc cancel"
            ),
            (
                "In search results",
                "Up/Down pick, Enter goes to the file, Esc stops the search, Esc again closes"
            ),
            (
                "In conflicts",
                "o overwrite, s skip, r rename, n newer only, a apply to all, c cancel job"
            ),
            (
                "After a failed job (also in the jobs panel)",
                "r retry what failed, d details: each failed item and why, Enter OK"
            ),
            (
                "In sync options",
                "Enter compare and plan, Tab/Up/Down move between fields, Space/Left/Right change a choice, Esc cancel"
            ),
            (
                "In sync preview",
                "Space/Ins tick or untick the line, +/- tick all / none, Enter run the ticked actions as one job, Esc cancel"
            ),
            (
                "In the certificate question",
                "y trusts it (pinned) and connects, n or Esc does not connect"
            ),
            (
                "While connecting",
                "Esc gives up (the pane stays where it was; a late answer is ignored)"
            ),
            // The mc keys' layers (issue 18), from their own tables.
            (
                "In history (Alt-H)",
                "↑/↓ PgUp/PgDn Home/End pick, Enter go there, Esc close"
            ),
            (
                "In hotlist (Ctrl-\\)",
                "↑/↓ PgUp/PgDn Home/End pick, Enter go there, Ins/a add this pane's folder, Del/d remove, Esc close"
            ),
            (
                "In the menu (F9)",
                "Left/Right menu, Up/Down entry, Enter run it, Esc/F9 close"
            ),
            (
                "Double click",
                "On a pane row: open the folder or view the file"
            ),
            (
                "In a text field",
                "Ctrl-A/E start/end, Alt-B/F a word back/forward, Alt-Backspace deletes the word before, Alt-D to the end of the word, Ctrl-W back to a space, Ctrl-U back to the start, Ctrl-K to the end, Ctrl-Y puts back what went"
            ),
            (
                "Any other key",
                "Says on the status line that it does nothing here (in the viewer: on its bottom line, for a moment)"
            ),
            (
                "Marks in a pane",
                "/ folder, @ symbolic link, | FIFO, socket or device (not copied), * selected"
            ),
            (
                "Verify (F5/F6)",
                "Copies are checked by size; [jobs] verify = \"hash\" (CLI: --verify hash) also compares the sha256 where both ends compute one (Freebox, local disk). The dialog says which applies"
            ),
        ]
    );
}

#[test]
fn a_dialog_opened_under_the_viewer_waits_below_it() {
    let mut app = app();
    app.update(key(KeyCode::End));
    app.update(key(KeyCode::F(3)));
    assert!(app.layers.viewer().is_some());
    app.layers
        .push_dialog(Dialog::error("Error", vec!["late".to_owned()]));
    // The viewer keeps the keys and is drawn last; Esc closes it, then the dialog.
    assert!(matches!(app.layers.iter().last(), Some(Layer::Viewer(_))));
    app.update(key(KeyCode::Esc));
    assert!(app.layers.viewer().is_none());
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Message { .. })
    ));
    app.update(key(KeyCode::Esc));
    assert!(app.layers.is_empty());
}

#[test]
fn f1_in_a_layer_without_its_own_use_for_it_opens_the_help() {
    let mut app = app();
    app.update(ctrl('x'));
    app.update(ch('s'));
    assert!(app.layers.sync_mut().is_some(), "the sync dialog is open");
    app.update(key(KeyCode::F(1)));
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Help { .. })
    ));
    assert!(
        !app.status
            .as_ref()
            .is_some_and(|s| s.text.contains("no action")),
        "{:?}",
        app.status.as_ref().map(|s| &s.text)
    );
    // The help closes back onto the dialog.
    app.update(key(KeyCode::Esc));
    assert!(app.layers.sync_mut().is_some());
}
