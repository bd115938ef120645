//! A failed job's dialog: Retry and Details, named on screen and in F1.

use crossterm::event::KeyCode;

use super::*;
use crate::jobs::{ItemError, RetryItem};

fn failed_copy(app: &mut App, retryable: bool) {
    app.update(Msg::JobStarted {
        id: 9,
        kind: JobKind::Copy,
        title: "Copy tree to /nas".into(),
    });
    let report = JobReport {
        items_done: 3,
        failed: vec![
            ItemError {
                path: "/data/tree/a.bin".into(),
                message: "network error: still failing after retrying for 5m (refused)".into(),
            },
            ItemError {
                path: "/data/tree/b.bin".into(),
                message: "no space left on the target".into(),
            },
        ],
        retry: if retryable {
            vec![RetryItem {
                src: p("/data/tree/a.bin"),
                dst: p("/nas/tree/a.bin"),
            }]
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    app.update(Msg::Job(JobEvent::Finished { id: 9, report }));
}

#[test]
fn retry_in_the_failure_dialog_asks_the_engine_once() {
    let mut app = app();
    failed_copy(&mut app, true);
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Message {
            failed_job: Some(9),
            ..
        })
    ));
    let cmds = app.update(ch('r'));
    assert!(matches!(cmds.as_slice(), [Cmd::RetryJob(9)]), "{cmds:?}");
    assert!(app.layers.dialogs().next().is_none());
    // Retried already: the new job reports its own failures.
    assert!(app.retry_job(9).is_empty());
}

#[test]
fn details_list_every_failed_item_and_scroll() {
    let mut app = app();
    failed_copy(&mut app, false);
    app.update(ch('d'));
    match app.layers.dialogs().last() {
        Some(Dialog::Details {
            title,
            lines,
            retry_job,
            ..
        }) => {
            assert!(title.contains("2 items failed"), "{title}");
            assert!(!title.contains("r: retry"), "{title}");
            assert_eq!(lines.len(), 2);
            assert!(lines[0].contains("a.bin: network error: still failing"));
            assert!(lines[1].contains("no space left"));
            assert_eq!(*retry_job, None);
        }
        other => panic!("{other:?}"),
    }
    app.update(key(KeyCode::Down));
    assert!(matches!(
        app.layers.dialogs().last(),
        Some(Dialog::Details { scroll: 1, .. })
    ));
    // Nothing to retry: r does nothing here.
    assert!(app.update(ch('r')).is_empty());
    app.update(key(KeyCode::Esc));
    assert!(app.layers.dialogs().next().is_none());
}

#[test]
fn f1_names_the_keys_of_a_failed_job() {
    let app = app();
    let help = app.help_lines();
    assert!(
        help.iter()
            .any(|(k, d)| k.contains("After a failed job") || d.contains("retry what failed")),
        "{help:?}"
    );
}
