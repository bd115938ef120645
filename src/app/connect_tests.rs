//! `App` unit tests of the connect dialogs.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::app::connect::{ConnectCmd, ConnectMsg, ConnectStep};
use crate::app::{Msg, Pane};
use crate::keymap::Keymap;
use crate::prompt::Prompt;
use crate::theme::Theme;
use crate::vfs::local::LocalFs;
use crate::vfs::{VPath, VfsHandle};

fn app() -> App {
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let (app, _) = App::new(
        Pane::new(vfs.clone(), VPath::root()),
        Pane::new(vfs, VPath::root()),
        Keymap::default(),
        Theme::built_in_default(),
    );
    app
}

#[test]
fn a_failure_shows_an_error_and_starts_the_queued_pane() {
    let mut app = app();
    let cmds = app.connect_pane(Side::Left, "nas:/a");
    assert!(matches!(cmds[..], [Cmd::Connect(ConnectCmd::Start { .. })]));
    app.connect_queue.push((Side::Right, "qnap://u@h/b".into()));
    let req = app.layers.connect().unwrap().req;
    let cmds = app.update(Msg::Connect(ConnectMsg::Failed {
        req,
        error: crate::app::Problem::Login(crate::vfs::VfsError::AuthFailed(
            "wrong password".into(),
        )),
    }));
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Message { .. })
    ));
    let next = app.layers.connect().unwrap();
    assert_eq!(
        (next.side, next.target.as_str()),
        (Side::Right, "qnap://u@h/b")
    );
    assert!(matches!(
        cmds[..],
        [Cmd::Connect(ConnectCmd::Start {
            side: Side::Right,
            ..
        })]
    ));
    // A late answer for the first request is ignored.
    app.update(Msg::Connect(ConnectMsg::Prompt {
        req,
        prompt: Prompt::Code,
    }));
    assert!(matches!(
        app.layers.connect().unwrap().step,
        ConnectStep::Connecting
    ));
}

#[test]
fn a_profile_share_host_is_kept_for_share_links() {
    let mut app = app();
    app.connect_pane(Side::Right, "nas:/Public");
    let req = app.layers.connect().unwrap().req;
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let label = vfs.label();
    app.update(Msg::Connect(ConnectMsg::Connected {
        req,
        vfs,
        path: VPath::root(),
        share_host: Some("nas.example.org".into()),
    }));
    assert!(app.layers.connect().is_none());
    assert_eq!(
        app.share.hosts.get(&label).map(String::as_str),
        Some("nas.example.org")
    );
}

#[test]
fn the_password_dialog_masks_and_sends_the_typed_secret() {
    let mut app = app();
    app.connect_pane(Side::Right, "qnap://u@h/b");
    let req = app.layers.connect().unwrap().req;
    app.update(Msg::Connect(ConnectMsg::Prompt {
        req,
        prompt: Prompt::Password {
            who: "u on http://h:8080".into(),
        },
    }));
    for c in "pw".chars() {
        app.update(Msg::Key(KeyEvent::from(KeyCode::Char(c))));
    }
    let cmds = app.update(Msg::Key(KeyEvent::from(KeyCode::Enter)));
    let [Cmd::Connect(ConnectCmd::Start { password, .. })] = &cmds[..] else {
        panic!("{cmds:?}")
    };
    assert_eq!(password.as_ref().unwrap().expose(), "pw");
    assert!(!format!("{cmds:?}").contains("pw\""));
    // Esc while connecting cancels and leaves the pane alone.
    let cmds = app.update(Msg::Key(KeyEvent::from(KeyCode::Esc)));
    assert!(matches!(cmds[..], [Cmd::Connect(ConnectCmd::Cancel)]));
    assert!(app.layers.connect().is_none());
}
