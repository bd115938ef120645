//! Paused syncs, what a killed sync left in the job journal, through the commander's
//! runtime loop, App and ui on ratatui's `TestBackend`, with journal entries written as
//! a killed run leaves them (`Journal::open_with`, the engine's own writer):
//! * a paused (restored) sync whose folders turn out already in sync (Ctrl-X s, Enter)
//!   is forgotten: its row says so and its journal entry goes;
//! * forgetting (`x`) a paused B→A sync removes the partial download it left at the
//!   local end A, not only what it left at B;
//! * a sync the commander left (deletes asked, none ticked) is the same journal entry
//!   as `nascmd sync --delete` over the same folders: the command takes it up and does
//!   the deletes it asks for.

use crate::support;

use std::path::Path;

use crossterm::event::KeyCode;
use nascmd::jobs::journal::{JobPlaces, Journal, PartialRecord, SyncCopyRecord, SyncPlanRecord};
use nascmd::services::sync::{Direction, Ends, SyncJobs};
use nascmd::vfs::VPath;
use support::jobs::local;
use support::relayed_qnap::{
    jobs_dir, journal_names, journaling_commander_sized, names, profile_context,
};
use support::sandbox::{Sandbox, ok, text};
use support::screen::*;

/// The commander over `a` (active) and `b`, both local, 160×30, journaling in `home`'s
/// state folder; the profiles from `home`'s config.
async fn commander(home: &Sandbox, a: &Path, b: &Path) -> Rt {
    journaling_commander_sized(a, b, home, profile_context(home), (160, 30), SETTLE_LIMIT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_sync_found_already_in_sync_is_forgotten() {
    let home = Sandbox::new();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    for dir in [&a, &b] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(dir.join("one.txt"), b"the same bytes").unwrap();
    }
    // What a run of this sync (A → B, no deletes) killed after its copy left.
    let ends = Ends {
        a: (local(), vpath(&a)),
        b: (local(), vpath(&b)),
    };
    let places = JobPlaces {
        src: "local".to_owned(),
        dst: "local".to_owned(),
    };
    let header = SyncJobs::header(&places, &ends, Direction::AToB, false);
    let plan = SyncPlanRecord {
        copies: vec![SyncCopyRecord {
            from: "a".to_owned(),
            items: vec![(
                a.join("one.txt").display().to_string(),
                b.join("one.txt").display().to_string(),
            )],
        }],
        deletes: Vec::new(),
    };
    let journal = Journal::at(jobs_dir(&home));
    drop(journal.open_with(&header, true, Some(&plan)).unwrap());
    assert_eq!(journal_names(&home).len(), 1);

    let mut rt = commander(&home, &a, &b).await;
    assert!(
        screen(&rt).contains("1 job paused (restored)"),
        "{}",
        screen(&rt)
    );
    settle(&mut rt, vec![ctrl('x'), ch('s'), k(KeyCode::Enter)]).await;
    let s = screen(&rt);
    assert!(s.contains("already in sync; forgotten"), "{s}");
    settle(&mut rt, vec![alt('j')]).await;
    let s = screen(&rt);
    assert!(!s.contains("paused (restored)"), "{s}");
    assert_eq!(
        journal_names(&home),
        Vec::<String>::new(),
        "the entry stayed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_a_paused_b_to_a_sync_removes_its_partial_download_at_a() {
    let home = Sandbox::new();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    // B is a NAS no one can reach now: nothing of this sync is there to remove.
    home.write_config(
        "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"http://127.0.0.1:9\"\nuser = \"alice\"\n",
    );
    // What a B → A sync killed midway through its download left: the partial file and
    // its resume record at A, the partial in the journal.
    let ends = Ends {
        a: (local(), vpath(&a)),
        b: (local(), VPath::parse("/Public/dst").unwrap()),
    };
    let places = JobPlaces {
        src: "local".to_owned(),
        dst: "nas".to_owned(),
    };
    let header = SyncJobs::header(&places, &ends, Direction::BToA, false);
    let (from, to) = (
        VPath::parse("/Public/dst/big.bin").unwrap(),
        vpath(&a.join("big.bin")),
    );
    let plan = SyncPlanRecord {
        copies: vec![SyncCopyRecord {
            from: "b".to_owned(),
            items: vec![(from.to_string(), to.to_string())],
        }],
        deletes: Vec::new(),
    };
    let key = nascmd::jobs::resume::transfer_key("qnap alice@127.0.0.1", &from, &to);
    let temp = nascmd::jobs::resume::temp_path_for(&to, &key).unwrap();
    std::fs::write(a.join(temp.name()), vec![7u8; 4096]).unwrap();
    std::fs::write(a.join(nascmd::jobs::resume::record_name(&key)), b"{}").unwrap();
    let journal = Journal::at(jobs_dir(&home));
    let entry = journal.open_with(&header, true, Some(&plan)).unwrap();
    entry.note_partial(PartialRecord {
        dst: to.to_string(),
        temp: temp.name().to_owned(),
        size: 1 << 20,
        mtime: Some(1_700_000_000),
    });
    drop(entry);
    assert_eq!(names(&a).len(), 2);

    let mut rt = commander(&home, &a, &b).await;
    settle(&mut rt, vec![alt('j'), ch('x')]).await;
    let s = screen(&rt);
    assert!(s.contains("Forget paused job"), "{s}");
    settle(&mut rt, vec![ch('y')]).await;
    let s = screen(&rt);
    assert!(
        s.lines().any(|l| l.contains("Sync")
            && l.contains("done: forgotten; removed 1 temporary file (4 KiB)")),
        "{s}"
    );
    assert_eq!(names(&a), Vec::<String>::new(), "left at A");
    assert_eq!(journal_names(&home), Vec::<String>::new());
}

/// The journal names a sync by what the user asked for, the same way from both front
/// ends: deletes asked in the dialog (even with none left ticked) is `--delete`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_the_commander_left_is_the_one_sync_delete_takes_up() {
    let home = Sandbox::new();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(a.join("gone.txt"), b"planned, then removed").unwrap();
    std::fs::write(a.join("keep.txt"), b"copied").unwrap();
    std::fs::write(b.join("extra.txt"), b"only at B").unwrap();

    // Ctrl-X s, deletes asked (Down, Space), Enter plans; the delete (first line) is
    // unticked: kept this time.
    let mut rt = commander(&home, &a, &b).await;
    settle(
        &mut rt,
        vec![
            ctrl('x'),
            ch('s'),
            k(KeyCode::Down),
            ch(' '),
            k(KeyCode::Enter),
        ],
    )
    .await;
    let s = screen(&rt);
    assert!(s.contains("[x] delete   on B extra.txt"), "{s}");
    settle(&mut rt, vec![ch(' ')]).await;
    let s = screen(&rt);
    assert!(s.contains("[ ] delete   on B extra.txt"), "{s}");
    // A planned source goes before Run: that copy fails and the entry stays.
    std::fs::remove_file(a.join("gone.txt")).unwrap();
    settle(&mut rt, vec![k(KeyCode::Enter)]).await;
    assert!(b.join("keep.txt").exists(), "{}", screen(&rt));
    assert!(b.join("extra.txt").exists());
    assert_eq!(journal_names(&home).len(), 1, "{}", screen(&rt));
    drop(rt);

    // The same sync from the command line: it finds that entry, copies what is missing
    // and deletes, as --delete asks; no entry is left behind.
    std::fs::write(a.join("gone.txt"), b"back").unwrap();
    let out = home
        .cmd()
        .arg("sync")
        .arg("--delete")
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    ok(&out);
    let err = text(&out.stderr);
    assert!(err.contains("resuming: 1 of 2 items already done"), "{err}");
    assert_eq!(std::fs::read(b.join("gone.txt")).unwrap(), b"back");
    assert!(!b.join("extra.txt").exists(), "not deleted");
    assert_eq!(
        journal_names(&home),
        Vec::<String>::new(),
        "an entry stayed"
    );
}
