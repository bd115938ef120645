//! A folder of 100 000 entries in the commander: time to the first screen, time to the
//! whole listing, time per frame while scrolling, and peak memory. Run with
//! `cargo bench --bench big_folder` (prints numbers; no assertions).
//!
//! The first screen is measured as a user sees it: list request → first page from the
//! local backend → `App::update` → one frame drawn.
//!
//! Then the page merges alone (`cargo bench --bench big_folder -- merges` runs only
//! them): 100 000 entries handed to a `Pane` as sorted pages of 5 000, as the listing
//! task sends them, in the shapes a real listing takes (pages in the pane's order, or
//! spread over the whole folder; hidden names; a quick filter; the cursor held on an
//! entry), with the UI-thread cost of each page (`Pane::take_page`).

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use nascmd::app::sort::{SortKey, SortSpec};
use nascmd::app::{App, Cmd, Msg, Pane};
use nascmd::keymap::Keymap;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{Entry, EntryKind, VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ENTRIES: usize = 100_000;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

fn main() {
    if std::env::args().skip(1).any(|a| a == "merges") {
        page_merges();
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    eprintln!("creating {ENTRIES} files…");
    for i in 0..ENTRIES {
        std::fs::File::create(dir.path().join(format!("file-{i}.txt"))).expect("create");
    }
    let rt = tokio::runtime::Runtime::new().expect("tokio");
    rt.block_on(async {
        let vfs: VfsHandle = Arc::new(LocalFs::new());
        let cwd = VPath::parse(dir.path().to_str().expect("utf-8")).expect("path");
        let tl = Instant::now();
        let mut n = 0;
        let mut all = Vec::new();
        let mut s = vfs.list(&cwd).await.expect("list");
        while let Some(p) = s.next().await {
            let p = p.expect("page");
            n += p.len();
            all.extend(p);
        }
        println!("backend listing alone: {:?} ({n} entries)", tl.elapsed());
        let ts = Instant::now();
        SortSpec::default().sort(&mut all);
        println!("one sort of everything: {:?}", ts.elapsed());
        drop(all);
        let t0 = Instant::now();
        let (mut app, cmds) = App::new(
            Pane::new(vfs.clone(), cwd.clone()),
            Pane::new(vfs.clone(), VPath::root()),
            Keymap::default(),
            Theme::built_in_default(),
        );
        app.update(Msg::Resize(120, 40));
        let Some(Cmd::List { side, req, .. }) = cmds.into_iter().next() else {
            panic!("no listing asked for")
        };
        let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        let mut stream = vfs.list(&cwd).await.expect("list");
        let mut first_screen = None;
        let mut first_page = std::time::Duration::ZERO;
        let mut pages = 0;
        while let Some(page) = stream.next().await {
            app.update(Msg::Listed {
                side,
                req,
                page: Ok(page.expect("page")),
                done: false,
            });
            pages += 1;
            if first_screen.is_none() {
                first_page = t0.elapsed();
                term.draw(|f| nascmd::ui::draw(f, &app)).expect("draw");
                first_screen = Some(t0.elapsed());
            }
        }
        app.update(Msg::Listed {
            side,
            req,
            page: Ok(Vec::new()),
            done: true,
        });
        term.draw(|f| nascmd::ui::draw(f, &app)).expect("draw");
        let complete = t0.elapsed();
        assert_eq!(app.panes[0].entries().len(), ENTRIES);

        let frames = 2000;
        let t1 = Instant::now();
        for i in 0..frames {
            let code = if i % 2 == 0 {
                KeyCode::PageDown
            } else {
                KeyCode::Down
            };
            app.update(Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
            term.draw(|f| nascmd::ui::draw(f, &app)).expect("draw");
        }
        let per_frame = t1.elapsed() / frames;

        println!("entries:            {ENTRIES} in {pages} pages");
        println!(
            "first screen:       {:?} (first page in after {first_page:?})",
            first_screen.unwrap_or_default()
        );
        println!("complete listing:   {complete:?}");
        println!("scroll, per frame:  {per_frame:?} (key + update + draw)");
        println!("peak RSS:           {} MiB", peak_rss_kib() / 1024);
        drop((app, term));

        // The first screen again, several times: one sample is at the mercy of the
        // scheduler on a busy machine.
        let mut samples = Vec::new();
        for _ in 0..REPEATS {
            samples.push(first_screen_only(&vfs, &cwd).await);
        }
        samples.sort();
        println!(
            "first screen x{REPEATS}:  median {:?}, min {:?}, max {:?}",
            samples[REPEATS / 2],
            samples[0],
            samples[REPEATS - 1]
        );
    });
    page_merges();
}

const PAGE: usize = 5_000;

/// One shape of listing for [`page_merges`].
struct Shape {
    label: &'static str,
    sort: SortSpec,
    /// Pages hold every (ENTRIES / PAGE)-th entry of the sorted folder instead of a run.
    spread: bool,
    /// Every tenth name starts with a dot (hidden files not shown).
    hidden: bool,
    filter: &'static str,
    /// The cursor is put on an entry after the first page and must stay on it.
    hold_cursor: bool,
}

fn entry(i: usize, hidden: bool) -> Entry {
    let dot = if hidden && i % 10 == 3 { "." } else { "" };
    Entry {
        name: format!("{dot}IMG_{i:06}.jpg"),
        kind: if i % 1000 == 0 {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        // Sizes and times unrelated to the name order.
        size: (i as u64).wrapping_mul(2_654_435_761) % 10_000_000,
        mtime: Some(1_700_000_000 + ((i as i64 * 7919) % 100_000)),
        mode: None,
        readonly: false,
    }
}

/// The UI-thread cost of each page of a 100 000-entry listing, per shape: median and
/// worst `Pane::take_page`, and their sum.
fn page_merges() {
    // As the binary does at start (`cli::main`): big vectors are mapped apart, so a
    // growing `Vec` is remapped, not copied.
    nascmd::memory::keep_big_blocks_apart();
    let name = SortSpec::default();
    let size = SortSpec {
        key: SortKey::Size,
        reverse: false,
    };
    let shapes = [
        Shape {
            label: "name order, pages in order (QNAP)",
            sort: name,
            spread: false,
            hidden: false,
            filter: "",
            hold_cursor: false,
        },
        Shape {
            label: "name order, pages spread",
            sort: name,
            spread: true,
            hidden: false,
            filter: "",
            hold_cursor: false,
        },
        Shape {
            label: "size order, pages by name",
            sort: size,
            spread: false,
            hidden: false,
            filter: "",
            hold_cursor: false,
        },
        Shape {
            label: "pages spread, hidden names, cursor held",
            sort: name,
            spread: true,
            hidden: true,
            filter: "",
            hold_cursor: true,
        },
        Shape {
            label: "size order, filter \"7\", cursor held",
            sort: size,
            spread: false,
            hidden: true,
            filter: "7",
            hold_cursor: true,
        },
    ];
    println!("page merges: {ENTRIES} entries in sorted pages of {PAGE} (Pane::take_page)");
    for shape in &shapes {
        let mut worst = 0.0f64;
        let mut medians = Vec::new();
        let mut totals = Vec::new();
        for _ in 0..5 {
            let (mut times, total) = one_merge_run(shape);
            times.sort_by(f64::total_cmp);
            worst = worst.max(times[times.len() - 1]);
            medians.push(times[times.len() / 2]);
            totals.push(total);
        }
        medians.sort_by(f64::total_cmp);
        totals.sort_by(f64::total_cmp);
        println!(
            "  {:<42} per page median {:6.2} ms, worst {:6.2} ms; all pages {:7.1} ms (median of 5 runs)",
            shape.label, medians[2], worst, totals[2]
        );
    }
}

/// One listing of the shape: each page's cost in ms (the first page excluded: it
/// replaces the old entries) and the sum of all.
fn one_merge_run(shape: &Shape) -> (Vec<f64>, f64) {
    let mut all: Vec<Entry> = (0..ENTRIES).map(|i| entry(i, shape.hidden)).collect();
    // The server's order: by name; a spread listing deals the sorted folder out
    // round-robin, so each page covers all of it.
    SortSpec::default().sort(&mut all);
    let pages_n = ENTRIES / PAGE;
    let mut pages: Vec<Vec<Entry>> = (0..pages_n).map(|_| Vec::with_capacity(PAGE)).collect();
    for (i, e) in all.into_iter().enumerate() {
        let p = if shape.spread { i % pages_n } else { i / PAGE };
        pages[p].push(e);
    }
    for p in &mut pages {
        // The listing task sorts each page before it goes to the app.
        shape.sort.sort(p);
    }
    let vfs: VfsHandle = Arc::new(LocalFs::new());
    let dir = VPath::parse("/merges").expect("path");
    let mut pane = Pane::new(vfs, dir.clone());
    pane.sort = shape.sort;
    pane.filter = shape.filter.to_owned();
    pane.begin_list(1, dir, None);
    let mut times = Vec::with_capacity(pages_n);
    let mut total = 0.0;
    let mut held = None;
    let n = pages.len();
    for (k, page) in pages.into_iter().enumerate() {
        let t = Instant::now();
        pane.take_page(1, page, k + 1 == n);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        total += ms;
        if k > 0 {
            times.push(ms);
        }
        if k == 0 && shape.hold_cursor {
            let rows = pane.row_count();
            pane.set_cursor(rows / 2);
            held = pane.current_entry().map(|e| e.name.clone());
        }
    }
    assert_eq!(pane.entries().len(), ENTRIES);
    assert!(
        pane.entries()
            .windows(2)
            .all(|w| shape.sort.compare(&w[0], &w[1]) == std::cmp::Ordering::Less),
        "{}: entries out of order",
        shape.label
    );
    let needle = shape.filter.to_lowercase();
    let expected = pane
        .entries()
        .iter()
        .filter(|e| !e.is_hidden() && e.name.to_lowercase().contains(&needle))
        .count();
    assert_eq!(pane.visible_entries().count(), expected, "{}", shape.label);
    if held.is_some() {
        assert_eq!(
            pane.current_entry().map(|e| e.name.clone()),
            held,
            "{}",
            shape.label
        );
    }
    (times, total)
}

const REPEATS: usize = 21;

/// A fresh app on the big folder: list request → first page → update → one frame.
async fn first_screen_only(vfs: &VfsHandle, cwd: &VPath) -> std::time::Duration {
    let t0 = Instant::now();
    let (mut app, cmds) = App::new(
        Pane::new(vfs.clone(), cwd.clone()),
        Pane::new(vfs.clone(), VPath::root()),
        Keymap::default(),
        Theme::built_in_default(),
    );
    app.update(Msg::Resize(120, 40));
    let Some(Cmd::List { side, req, .. }) = cmds.into_iter().next() else {
        panic!("no listing asked for")
    };
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut stream = vfs.list(cwd).await.expect("list");
    let page = stream.next().await.expect("a page").expect("page");
    app.update(Msg::Listed {
        side,
        req,
        page: Ok(page),
        done: false,
    });
    term.draw(|f| nascmd::ui::draw(f, &app)).expect("draw");
    t0.elapsed()
}
