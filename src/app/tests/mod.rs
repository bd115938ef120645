//! `App::update` driven by messages; state read back. No I/O happens here: listings are
//! fed as `Msg::Listed`, commands are inspected. This file holds the shared helpers;
//! `browse` covers moving around a pane, `operations` the dialogs and jobs.

mod browse;
mod failed_jobs;
mod layers;
mod operations;
mod paused_jobs;
mod text_fields;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::jobs::{ConflictAnswer, JobEvent, JobKind, JobReport};
use crate::keymap::Keymap;
use crate::theme::Theme;
use crate::vfs::local::LocalFs;
use crate::vfs::{Entry, EntryKind, VPath, VfsHandle};

pub(super) fn file(name: &str, size: u64) -> Entry {
    Entry {
        name: name.into(),
        kind: EntryKind::File,
        size,
        mtime: Some(size as i64),
        mode: None,
        readonly: false,
    }
}

pub(super) fn dir(name: &str) -> Entry {
    Entry {
        kind: EntryKind::Dir,
        size: 0,
        ..file(name, 0)
    }
}

pub(super) fn p(s: &str) -> VPath {
    VPath::parse(s).unwrap()
}

pub(super) fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn ch(c: char) -> Msg {
    key(KeyCode::Char(c))
}

pub(super) fn alt(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

pub(super) fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// An app with the left pane on /data and the right on /backup, both listed.
pub(super) fn app() -> App {
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

pub(super) fn feed(app: &mut App, (side, req): (Side, RequestId), entries: Vec<Entry>) {
    app.update(Msg::Listed {
        side,
        req,
        page: Ok(entries),
        done: true,
    });
}

pub(super) fn list_req(cmds: &[Cmd]) -> (Side, RequestId, VPath) {
    cmds.iter()
        .find_map(|c| match c {
            Cmd::List { side, req, dir, .. } => Some((*side, *req, dir.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no List in {cmds:?}"))
}

pub(super) fn rows(app: &App, side: Side) -> Vec<String> {
    let pane = app.pane(side);
    (0..pane.row_count())
        .map(|i| match pane.row(i).unwrap() {
            Row::Parent => "..".to_owned(),
            Row::Entry(e) => e.name.clone(),
        })
        .collect()
}

pub(super) fn cursor_name(app: &App) -> String {
    rows(app, app.active)[app.active_pane().cursor].clone()
}
