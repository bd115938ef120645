//! The job journal in the engine (`JobEngine::start_journaled`), on local folders with
//! a second backend label (so a move copies, then removes its source): files an earlier
//! run verified are not sent again as long as the target still holds them; a move
//! interrupted after a verified copy only removes its source; the entry goes when the
//! job completes or is cancelled, and stays when it is interrupted (a quit) or fails
//! with something left to try again (gone when nothing is).

use crate::support;

use std::sync::Arc;

use nascmd::jobs::journal::{JobHeader, JobPlaces, Journal};
use nascmd::jobs::{JobEngine, JobEvent, JobKind, JobReport, JobSpec};
use nascmd::vfs::VfsHandle;
use support::faulty::Faulty;
use support::jobs::{engine, local, set_mtime, spec, tree, vp, write};

fn places() -> JobPlaces {
    JobPlaces {
        src: "other".into(),
        dst: "local".into(),
    }
}

async fn run_journaled(
    engine: &JobEngine,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<JobEvent>,
    spec: JobSpec,
) -> (JobReport, Vec<JobEvent>) {
    let id = engine.start_journaled(spec, &places());
    let mut events = Vec::new();
    while let Some(ev) = rx.recv().await {
        if let JobEvent::Finished { id: done, report } = &ev
            && *done == id
        {
            return (report.clone(), events);
        }
        events.push(ev);
    }
    panic!("the engine went away");
}

struct Setup {
    _dir: tempfile::TempDir,
    src: std::path::PathBuf,
    dst: std::path::PathBuf,
    journal: Journal,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    let dst = dir.path().join("dst");
    for (name, seed) in [("a.bin", 1u8), ("b.bin", 2), ("c.bin", 3)] {
        write(&src.join(name), &vec![seed; 10_000 + usize::from(seed)]);
        set_mtime(&src.join(name), 1_700_000_000 + u64::from(seed));
    }
    std::fs::create_dir_all(&dst).unwrap();
    let journal = Journal::at(dir.path().join("state/jobs"));
    Setup {
        src,
        dst,
        journal,
        _dir: dir,
    }
}

fn job(s: &Setup, kind: JobKind) -> JobSpec {
    let other: VfsHandle = Arc::new(Faulty::new("other"));
    let sources = ["a.bin", "b.bin", "c.bin"]
        .iter()
        .map(|n| vp(&s.src.join(n)))
        .collect();
    spec(kind, other, sources, Some((local(), vp(&s.dst))))
}

/// As an earlier run left it: `done` verified at the target (a copy with its time).
fn earlier_run(s: &Setup, kind: JobKind, done: &[&str]) {
    let header = JobHeader::of(&job(s, kind), &places()).unwrap();
    let j = s.journal.open(&header, true).unwrap();
    for name in done {
        std::fs::copy(s.src.join(name), s.dst.join(name)).unwrap();
        set_mtime(&s.dst.join(name), support::jobs::mtime(&s.src.join(name)));
        j.mark_done(&vp(&s.src.join(name)));
    }
}

#[tokio::test]
async fn a_copy_skips_what_an_earlier_run_verified_and_copies_what_went_missing() {
    let s = setup();
    earlier_run(&s, JobKind::Copy, &["a.bin", "b.bin"]);
    // b.bin went from the target since: it is copied again, not taken as done.
    std::fs::remove_file(s.dst.join("b.bin")).unwrap();
    let a_before = std::fs::metadata(s.dst.join("a.bin"))
        .unwrap()
        .modified()
        .unwrap();

    let (engine, mut rx) = engine();
    engine.set_journal(s.journal.clone());
    let (report, events) = run_journaled(&engine, &mut rx, job(&s, JobKind::Copy)).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, JobEvent::Conflict { .. })),
        "a verified file was taken for a conflict"
    );
    assert_eq!(report.items_done, 3);
    // The bytes are the whole job's too, a.bin's included (they were b and c's only:
    // "Copied 3 items, 20 KiB" for 30 KiB of files).
    let sizes: u64 = (1..=3).map(|seed| 10_000 + seed).sum();
    assert_eq!(report.bytes_done, sizes);
    let last = events.iter().rev().find_map(|e| match e {
        JobEvent::Progress { progress, .. } => Some(progress),
        _ => None,
    });
    assert_eq!(last.map(|p| p.bytes_total), Some(sizes), "{last:?}");
    assert_eq!(tree(&s.dst), tree(&s.src));
    let a_after = std::fs::metadata(s.dst.join("a.bin"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(a_before, a_after, "a.bin was written again");
    assert!(s.journal.entries().is_empty(), "the journal stayed");
}

#[tokio::test]
async fn a_move_cut_after_a_verified_copy_only_removes_that_source() {
    let s = setup();
    // Killed between the verified copy of a.bin and the removal of its source.
    earlier_run(&s, JobKind::Move, &["a.bin"]);
    let expected = tree(&s.src);

    let (engine, mut rx) = engine();
    engine.set_journal(s.journal.clone());
    let (report, events) = run_journaled(&engine, &mut rx, job(&s, JobKind::Move)).await;
    assert!(report.failed.is_empty(), "{report:?}");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, JobEvent::Conflict { .. }))
    );
    assert_eq!(report.items_done, 3);
    assert_eq!(tree(&s.dst), expected);
    assert!(
        tree(&s.src).is_empty(),
        "sources left: {:?}",
        tree(&s.src).keys()
    );
    assert!(s.journal.entries().is_empty());
}

#[tokio::test]
async fn the_entry_stays_after_an_interrupt_and_goes_after_a_cancel() {
    let s = setup();
    let (engine, mut rx) = engine();
    engine.set_journal(s.journal.clone());

    for (interrupt, stays) in [(true, 1), (false, 0)] {
        // Each read of 64 KiB takes 200 ms: the job is still running when stopped.
        let mut slow = Faulty::new("other");
        slow.slow_reads = Some(std::time::Duration::from_millis(200));
        let mut spec = job(&s, JobKind::Copy);
        spec.src = Arc::new(slow);
        let id = engine.start_journaled(spec, &places());
        // Wait for the job to be under way, then stop it.
        loop {
            match rx.recv().await.unwrap() {
                JobEvent::Progress { id: p, progress } if p == id && !progress.planning => break,
                _ => {}
            }
        }
        assert_eq!(s.journal.entries().len(), 1, "not journaled while running");
        if interrupt {
            engine.interrupt(id);
        } else {
            engine.cancel(id);
        }
        loop {
            if let JobEvent::Finished { id: done, report } = rx.recv().await.unwrap()
                && done == id
            {
                assert!(report.cancelled);
                break;
            }
        }
        assert_eq!(s.journal.entries().len(), stays, "interrupt: {interrupt}");
        for f in std::fs::read_dir(&s.dst).unwrap() {
            std::fs::remove_file(f.unwrap().path()).unwrap();
        }
    }
}

#[tokio::test]
async fn a_failed_job_keeps_its_entry_only_while_something_is_left_to_try_again() {
    let s = setup();
    let (engine, mut rx) = engine();
    engine.set_journal(s.journal.clone());

    // b.bin cannot be read: it is left to try again, so the entry stays.
    let mut unreadable = Faulty::new("other");
    unreadable.unreadable = Some("b.bin".into());
    let mut failing = job(&s, JobKind::Copy);
    failing.src = Arc::new(unreadable);
    let (report, _) = run_journaled(&engine, &mut rx, failing).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(!report.retry.is_empty(), "{report:?}");
    assert_eq!(
        s.journal.entries().len(),
        1,
        "a resumable failure lost its entry"
    );
    let entry = &s.journal.entries()[0];
    s.journal.forget(&entry.header);

    // A source that does not exist fails in planning: nothing a resume could do, so
    // the entry goes (it would come back paused at every start otherwise).
    let other: VfsHandle = Arc::new(Faulty::new("other"));
    let missing = spec(
        JobKind::Copy,
        other,
        vec![vp(&s.src.join("nowhere.bin"))],
        Some((local(), vp(&s.dst))),
    );
    let (report, _) = run_journaled(&engine, &mut rx, missing).await;
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.retry.is_empty(), "{report:?}");
    assert_eq!(
        s.journal.entries().len(),
        0,
        "an entry with nothing to resume stayed"
    );
}
