//! Jobs of an earlier run (the journal): listed paused, never started by the app on its
//! own; `r` resumes the selected one, Del/x forgets it after asking; quitting does not
//! ask about them.

use crossterm::event::KeyCode;

use super::*;
use crate::app::connect::{ConnectCmd, ConnectMsg, ConnectStep};
use crate::app::jobs::RestoredJob;

fn restored(key: &str) -> RestoredJob {
    RestoredJob {
        key: key.into(),
        kind: JobKind::Copy,
        title: format!("Copy /Public/{key} (nas) to /down (local)"),
        done: "1 of 3 items already done".into(),
    }
}

#[test]
fn restored_jobs_are_listed_paused_and_start_nothing() {
    let mut app = app();
    let cmds = app.update(Msg::JobsRestored(vec![restored("a"), restored("b")]));
    assert!(cmds.is_empty(), "{cmds:?}");
    assert_eq!(app.jobs.rows(), 2, "both are rows of the panel");
    assert_eq!(app.jobs.running(), 0);
    assert!(app.jobs.items.iter().all(|j| j.paused.is_some()));
    // The same entry twice is one row.
    app.update(Msg::JobsRestored(vec![restored("a")]));
    assert_eq!(app.jobs.rows(), 2);
    // Nothing runs: quitting does not ask.
    let cmds = app.update(key(KeyCode::F(10)));
    assert!(matches!(cmds.as_slice(), [Cmd::Quit]), "{cmds:?}");
}

#[test]
fn r_resumes_the_selected_paused_job_and_a_failure_puts_it_back() {
    let mut app = app();
    app.update(Msg::JobsRestored(vec![restored("a"), restored("b")]));
    app.update(alt('j'));
    app.update(key(KeyCode::Down));
    let cmds = app.update(ch('r'));
    let req = match cmds.as_slice() {
        [
            Cmd::Connect(ConnectCmd::Resume {
                req,
                job,
                answered: None,
                ..
            }),
        ] => {
            assert_eq!(job.key, "b");
            *req
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(app.jobs.rows(), 1);
    app.update(Msg::Connect(ConnectMsg::Opening {
        req,
        target: "nas".into(),
    }));
    app.update(Msg::Connect(ConnectMsg::Failed {
        req,
        error: Problem::Target("connection refused".into()),
    }));
    assert_eq!(app.jobs.rows(), 2);
    assert!(app.layers.connect().is_none());
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("connection refused"), "{status}");
    assert!(status.contains("stays paused"), "{status}");
}

/// A resumed job hands its footprint with the news: F8 on what it copies warns, as for
/// a job started from the panes.
#[test]
fn a_resumed_job_warns_f8_about_what_it_uses() {
    let mut app = app();
    app.update(Msg::JobsRestored(vec![restored("a")]));
    app.update(alt('j'));
    let req = match app.update(ch('r')).as_slice() {
        [Cmd::Connect(ConnectCmd::Resume { req, .. })] => *req,
        other => panic!("{other:?}"),
    };
    let here = app.pane(Side::Left).vfs.clone();
    app.update(Msg::Connect(ConnectMsg::Resumed {
        req,
        id: 9,
        kind: JobKind::Copy,
        title: "Copy /data/photos (local) to /down (nas)".into(),
        places: crate::app::jobs::Footprint(vec![(here, p("/data/photos"))]),
    }));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(cursor_name(&app), "photos");
    app.update(key(KeyCode::F(8)));
    match app.layers.dialogs().last() {
        Some(Dialog::Confirm {
            lines, yes_focused, ..
        }) => {
            let lines = lines.join("\n");
            assert!(
                lines.contains(
                    "Still in use by the job \"Copy /data/photos (local) to /down (nas)\"!"
                ),
                "{lines}"
            );
            assert!(!yes_focused);
        }
        other => panic!("{other:?}"),
    }
}

/// The NAS asks for a password the journal never holds: the connect dialog asks it,
/// its answer is for the place that asked; a refusal asks again, Esc leaves the job
/// paused.
#[test]
fn a_password_asked_while_resuming_goes_to_the_password_dialog() {
    let mut app = app();
    app.update(Msg::JobsRestored(vec![restored("a")]));
    app.update(alt('j'));
    let req = match app.update(ch('r')).as_slice() {
        [Cmd::Connect(ConnectCmd::Resume { req, .. })] => *req,
        other => panic!("{other:?}"),
    };
    app.update(Msg::Connect(ConnectMsg::Opening {
        req,
        target: "nas".into(),
    }));
    app.update(Msg::Connect(ConnectMsg::Prompt {
        req,
        prompt: crate::prompt::Prompt::Password {
            who: "alice on nas".into(),
        },
    }));
    for c in "pw".chars() {
        app.update(ch(c));
    }
    match app.update(key(KeyCode::Enter)).as_slice() {
        [
            Cmd::Connect(ConnectCmd::Resume {
                answered: Some(place),
                password: Some(_),
                ..
            }),
        ] => assert_eq!(place, "nas"),
        other => panic!("{other:?}"),
    }
    app.update(Msg::Connect(ConnectMsg::Failed {
        req,
        error: Problem::PasswordRefused(crate::vfs::VfsError::PermissionDenied("x".into())),
    }));
    let state = app.layers.connect().expect("asked again");
    assert!(matches!(state.step, ConnectStep::Password { .. }));
    assert_eq!(app.jobs.rows(), 0, "not paused again yet");
    app.update(key(KeyCode::Esc));
    assert!(app.layers.connect().is_none());
    assert_eq!(app.jobs.rows(), 1);
    assert!(app.jobs.items[0].paused.is_some());
}

#[test]
fn x_forgets_a_paused_job_after_asking() {
    let mut app = app();
    app.update(Msg::JobsRestored(vec![restored("a")]));
    app.update(alt('j'));
    assert!(app.update(ch('x')).is_empty());
    match app.layers.dialogs().last() {
        Some(Dialog::Confirm { lines, .. }) => {
            assert!(lines[0].contains("Copy /Public/a"), "{lines:?}")
        }
        other => panic!("{other:?}"),
    }
    let cmds = app.update(ch('y'));
    let id = match cmds.as_slice() {
        [Cmd::ForgetRestored { id, key }] if key == "a" => *id,
        other => panic!("{other:?}"),
    };
    // The row says what happens, then what came back.
    assert_eq!(app.jobs.running(), 0);
    assert!(app.jobs.items[0].paused.is_none());
    app.update(Msg::PausedForgotten {
        id,
        removed: 2,
        bytes: 3 << 20,
        error: None,
    });
    let done = app.jobs.items[0].done.clone().unwrap_or_default();
    assert!(done.contains("removed 2 temporary files (3 MiB)"), "{done}");
}
