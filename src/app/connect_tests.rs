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

fn press(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    app.update(Msg::Key(KeyEvent::from(code)))
}

fn status(app: &App) -> Option<&str> {
    app.status.as_ref().map(|s| s.text.as_str())
}

fn help_is_open(app: &App) -> bool {
    matches!(app.layers.top_dialog(), Some(Dialog::Help { .. }))
}

/// A key the step has no use for says so, F1 opens the help, and Esc closes the help
/// first (the dialog under it stays).
fn says_unbound_and_opens_help(app: &mut App) {
    let cmds = press(app, KeyCode::Char('x'));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(status(app), Some("x: no action here — F1 lists the keys"));
    assert!(app.layers.connect().is_some());
    press(app, KeyCode::F(1));
    assert!(help_is_open(app));
    press(app, KeyCode::Esc);
    assert!(!help_is_open(app));
    assert!(app.layers.connect().is_some(), "Esc closed the help only");
}

#[test]
fn the_trust_question_answers_every_key() {
    let mut app = app();
    app.connect_pane(Side::Left, "qnap://u@h/b");
    let req = app.layers.connect().unwrap().req;
    app.update(Msg::Connect(ConnectMsg::Prompt {
        req,
        prompt: Prompt::Trust {
            url: "https://h".into(),
            why: "self-signed".into(),
            cert: crate::prompt::CertDetails {
                sha256: "AB:CD".into(),
                subject: "CN=h".into(),
                issuer: "CN=h".into(),
                not_before: "2026-01-01 00:00:00 UTC".into(),
                not_after: "2036-01-01 00:00:00 UTC".into(),
                self_signed: true,
            },
        },
    }));
    assert!(matches!(
        app.layers.connect().unwrap().step,
        ConnectStep::Trust(_)
    ));
    says_unbound_and_opens_help(&mut app);
    assert!(matches!(
        app.layers.connect().unwrap().step,
        ConnectStep::Trust(_)
    ));
    // "n" is a no: nothing to cancel (the question ended the attempt), the pane stays.
    let cmds = press(&mut app, KeyCode::Char('n'));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert!(app.layers.connect().is_none());
    assert_eq!(status(&app), Some("not connected"));
    // Help lists the question's keys.
    let help = app.help_lines();
    assert!(
        help.iter()
            .any(|(k, d)| k == "In the certificate question" && d.contains("y trusts")),
        "{help:?}"
    );
}

#[test]
fn connecting_says_unbound_keys_and_esc_abandons_it_for_good() {
    let mut app = app();
    let cmds = app.connect_pane(Side::Left, "nas:/Public");
    assert!(matches!(cmds[..], [Cmd::Connect(ConnectCmd::Start { .. })]));
    let req = app.layers.connect().unwrap().req;
    says_unbound_and_opens_help(&mut app);
    assert!(matches!(
        app.layers.connect().unwrap().step,
        ConnectStep::Connecting
    ));
    let cmds = press(&mut app, KeyCode::Esc);
    assert!(matches!(cmds[..], [Cmd::Connect(ConnectCmd::Cancel)]));
    assert!(app.layers.connect().is_none());
    // Another dialog opened since (Alt-N); the abandoned attempt's late answers
    // neither open a pane nor touch it.
    app.update(crate::app::tests::alt('n'));
    assert!(matches!(
        app.layers.connect().unwrap().step,
        ConnectStep::Target(_)
    ));
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    for late in [
        ConnectMsg::Prompt {
            req,
            prompt: Prompt::Code,
        },
        ConnectMsg::Connected {
            req,
            vfs,
            path: VPath::parse("/tmp").unwrap(),
            share_host: None,
        },
    ] {
        let cmds = app.update(Msg::Connect(late));
        assert!(cmds.is_empty(), "{cmds:?}");
    }
    assert_eq!(app.pane(Side::Left).cwd, VPath::root());
    assert!(matches!(
        app.layers.connect().unwrap().step,
        ConnectStep::Target(_)
    ));
    let help = app.help_lines();
    assert!(
        help.iter()
            .any(|(k, d)| k == "While connecting" && d.starts_with("Esc gives up")),
        "{help:?}"
    );
}
