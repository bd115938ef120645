//! What a sync leaves in the job journal, through the commander's runtime loop, App and
//! ui on ratatui's `TestBackend`, with journal entries written as a killed run leaves
//! them (`Journal::open_with`, the engine's own writer):
//! * a paused (restored) sync whose folders turn out already in sync (Ctrl-X s, Enter)
//!   is forgotten: its row says so and its journal entry goes;
//! * forgetting (`x`) a paused B→A sync removes the partial download it left at the
//!   local end A, not only what it left at B.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use nascmd::app::{App, Pane};
use nascmd::config::Config;
use nascmd::jobs::journal::{JobPlaces, Journal, PartialRecord, SyncCopyRecord, SyncPlanRecord};
use nascmd::keymap::Keymap;
use nascmd::runtime::{ConnectContext, Runtime};
use nascmd::services::sync::{Direction, Ends, SyncJobs};
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

type Rt = Runtime<TestBackend>;

fn vpath(p: &Path) -> VPath {
    VPath::parse(p.to_str().unwrap()).unwrap()
}

fn local() -> VfsHandle {
    Arc::new(LocalFs::new())
}

fn jobs_dir(home: &Path) -> PathBuf {
    home.join("state/nascmd/jobs")
}

fn journals(home: &Path) -> Vec<String> {
    std::fs::read_dir(jobs_dir(home))
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".journal"))
                .collect()
        })
        .unwrap_or_default()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// The commander over `a` (active) and `b`, both local, journaling under `home`; the
/// config (profiles) from `home/config`.
async fn commander(home: &Path, a: &Path, b: &Path) -> Rt {
    let (app, cmds) = App::new(
        Pane::new(local(), vpath(a)),
        Pane::new(local(), vpath(b)),
        Keymap::default(),
        Theme::built_in_default(),
    );
    let config = Config::load(&home.join("config/nascmd/config.toml")).unwrap();
    let ctx = ConnectContext {
        config,
        ..ConnectContext::isolated()
    };
    let terminal = Terminal::new(TestBackend::new(160, 30)).unwrap();
    let mut rt = Runtime::with_connect_context(terminal, app, cmds, ctx)
        .unwrap()
        .with_journal(Journal::at(jobs_dir(home)));
    settle(&mut rt, Vec::new()).await;
    rt
}

async fn settle(rt: &mut Rt, keys: Vec<KeyEvent>) {
    let input = futures_util::stream::iter(keys.into_iter().map(|k| Ok(Event::Key(k))));
    rt.run_until_idle(input, Duration::from_secs(60))
        .await
        .unwrap();
}

fn k(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ch(c: char) -> KeyEvent {
    k(KeyCode::Char(c))
}

fn alt(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
}

fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

fn screen(rt: &Rt) -> String {
    let buf = rt.terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_sync_found_already_in_sync_is_forgotten() {
    let home = tempfile::tempdir().unwrap();
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
    let journal = Journal::at(jobs_dir(home.path()));
    drop(journal.open_with(&header, true, Some(&plan)).unwrap());
    assert_eq!(journals(home.path()).len(), 1);

    let mut rt = commander(home.path(), &a, &b).await;
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
        journals(home.path()),
        Vec::<String>::new(),
        "the entry stayed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetting_a_paused_b_to_a_sync_removes_its_partial_download_at_a() {
    let home = tempfile::tempdir().unwrap();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    // B is a NAS no one can reach now: nothing of this sync is there to remove.
    std::fs::create_dir_all(home.path().join("config/nascmd")).unwrap();
    std::fs::write(
        home.path().join("config/nascmd/config.toml"),
        "[[remote]]\nname = \"nas\"\nkind = \"qnap\"\nurl = \"http://127.0.0.1:9\"\nuser = \"alice\"\n",
    )
    .unwrap();
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
    let journal = Journal::at(jobs_dir(home.path()));
    let entry = journal.open_with(&header, true, Some(&plan)).unwrap();
    entry.note_partial(PartialRecord {
        dst: to.to_string(),
        temp: temp.name().to_owned(),
        size: 1 << 20,
        mtime: Some(1_700_000_000),
    });
    drop(entry);
    assert_eq!(names(&a).len(), 2);

    let mut rt = commander(home.path(), &a, &b).await;
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
    assert_eq!(journals(home.path()), Vec::<String>::new());
}

/// Alt and a letter is not the letter: in the jobs panel Alt-X does not forget (x
/// does), in its confirmation Alt-Y does not confirm, in a sync preview Alt-Space does
/// not untick; each says it does nothing there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alt_letters_do_not_act_as_bare_letters_in_panels() {
    let home = tempfile::tempdir().unwrap();
    let (a, b) = (home.path().join("a"), home.path().join("b"));
    std::fs::create_dir(&a).unwrap();
    std::fs::create_dir(&b).unwrap();
    std::fs::write(a.join("new.txt"), b"only at A").unwrap();
    let ends = Ends {
        a: (local(), vpath(&b)),
        b: (local(), vpath(&a)),
    };
    let places = JobPlaces {
        src: "local".to_owned(),
        dst: "local".to_owned(),
    };
    // A paused sync B → A (nothing to do any more, but it is not run here).
    let header = SyncJobs::header(&places, &ends, Direction::AToB, false);
    let journal = Journal::at(jobs_dir(home.path()));
    drop(
        journal
            .open_with(&header, true, Some(&SyncPlanRecord::default()))
            .unwrap(),
    );
    let mut rt = commander(home.path(), &a, &b).await;

    settle(&mut rt, vec![alt('j'), alt('x')]).await;
    let s = screen(&rt);
    assert!(!s.contains("Forget paused job"), "{s}");
    assert!(s.contains("Alt-X: no action here"), "{s}");
    settle(&mut rt, vec![ch('x'), alt('y')]).await;
    let s = screen(&rt);
    assert!(s.contains("Forget paused job"), "{s}");
    assert_eq!(journals(home.path()).len(), 1, "Alt-Y confirmed");
    settle(&mut rt, vec![ch('n'), k(KeyCode::Esc)]).await;

    // The sync preview: one copy, ticked; Alt-Space leaves it so.
    settle(&mut rt, vec![ctrl('x'), ch('s'), k(KeyCode::Enter)]).await;
    let s = screen(&rt);
    assert!(s.contains("new.txt"), "{s}");
    let ticked = s
        .lines()
        .find(|l| l.contains("new.txt"))
        .unwrap()
        .to_owned();
    settle(
        &mut rt,
        vec![KeyEvent::new(KeyCode::Char(' '), KeyModifiers::ALT)],
    )
    .await;
    let s = screen(&rt);
    let row = s.lines().find(|l| l.contains("new.txt")).unwrap();
    assert_eq!(row, ticked, "{s}");
    // The preview covers the status line; the message is there all the same.
    let status = rt.app.status.as_ref().map(|s| s.text.clone());
    assert!(
        status
            .as_deref()
            .is_some_and(|t| t.contains("no action here")),
        "{status:?}"
    );
    // A bare Space does untick it.
    settle(&mut rt, vec![ch(' ')]).await;
    let s = screen(&rt);
    let row = s.lines().find(|l| l.contains("new.txt")).unwrap();
    assert_ne!(row, ticked, "{s}");
}
