//! A folder of 100 000 entries in the commander: time to the first screen, time to the
//! whole listing, time per frame while scrolling, and peak memory. Run with
//! `cargo bench --bench big_folder` (prints numbers; no assertions).
//!
//! The first screen is measured as a user sees it: list request → first page from the
//! local backend → `App::update` → one frame drawn.

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures_util::StreamExt;
use nascmd::app::{App, Cmd, Msg, Pane};
use nascmd::keymap::Keymap;
use nascmd::theme::Theme;
use nascmd::vfs::local::LocalFs;
use nascmd::vfs::{VPath, VfsHandle};
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
        nascmd::app::sort::SortSpec::default().sort(&mut all);
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
