//! Jobs of an earlier run (the journal): listed paused, never started by the app on its
//! own; `r` resumes the selected one, Del/x forgets it after asking; quitting does not
//! ask about them.

use crossterm::event::KeyCode;

use super::*;
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
    match cmds.as_slice() {
        [Cmd::ResumeRestored(job)] => assert_eq!(job.key, "b"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.jobs.rows(), 1);
    app.update(Msg::RestoreFailed {
        job: restored("b"),
        message: "nas: connection refused".into(),
    });
    assert_eq!(app.jobs.rows(), 2);
    let status = app
        .status
        .as_ref()
        .map(|s| s.text.clone())
        .unwrap_or_default();
    assert!(status.contains("connection refused"), "{status}");
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
    assert!(
        matches!(cmds.as_slice(), [Cmd::ForgetRestored(k)] if k == "a"),
        "{cmds:?}"
    );
    assert_eq!(app.jobs.rows(), 0);
}
