//! One huge NAS folder (issue 14): time to the first page and to the complete listing
//! through the real client code — `jobs::list_retrying` over the backend, the same
//! `ListStream` the pane reads — each page handed to an `App` as the runtime does, and
//! the UI-thread cost of each page (`App::update` + one frame drawn on ratatui's
//! `TestBackend`), plus this process's peak RSS. Run by `benches/huge_folder.sh`, which
//! starts the emulator (and the link relay) in processes of their own, so the RSS is
//! the client's alone:
//!
//! ```text
//! huge_folder qnap    URL USER DIR ROUNDS   (password in NASCMD_PASSWORD)
//! huge_folder freebox URL -    DIR ROUNDS   (the emulator grants registrations)
//! ```
//!
//! Prints one line per round, `round N first_ms F complete_ms C entries E max_page_ms P
//! median_page_ms M max_page_cpu_ms U`, then `peak_rss_kib K`: the worst page as the
//! wall clock saw it and the most CPU time one page cost this thread (on a busy machine
//! the gap between them is time spent waiting for a core). Fails if a round does not list every entry exactly once, in
//! the pane's sort order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use nascmd::app::{App, Cmd, Msg, Pane};
use nascmd::jobs::{RetryPolicy, list_retrying};
use nascmd::keymap::Keymap;
use nascmd::nas::freebox::{
    AppInfo, AuthStatus, FreeboxConfig, FreeboxVfs, poll_authorization, register,
};
use nascmd::nas::qnap::{QnapConfig, QnapVfs};
use nascmd::secret::Secret;
use nascmd::theme::Theme;
use nascmd::vfs::{VPath, VfsHandle};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio_util::sync::CancellationToken;

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

/// CPU time this thread has used (Linux with glibc; zero elsewhere).
fn thread_cpu() -> Duration {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid timespec for the call to write into.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn connect_qnap(url: &str, user: &str) -> Result<VfsHandle> {
    let password = std::env::var("NASCMD_PASSWORD").context("NASCMD_PASSWORD")?;
    let nas = QnapVfs::connect(QnapConfig {
        base_url: url.to_owned(),
        user: user.to_owned(),
        password: Secret::new(password),
        ..QnapConfig::default()
    })
    .await?;
    Ok(Arc::new(nas))
}

async fn connect_freebox(url: &str) -> Result<VfsHandle> {
    let app = AppInfo {
        app_id: "bench.huge_folder".into(),
        app_name: "huge_folder bench".into(),
        app_version: "1".into(),
        device_name: "bench".into(),
    };
    let reg = register(url, &app).await?;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match poll_authorization(url, reg.track_id).await? {
            AuthStatus::Granted => break,
            AuthStatus::Pending if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            other => bail!("registration ended as {other:?}"),
        }
    }
    let nas = FreeboxVfs::connect(FreeboxConfig {
        base_url: url.to_owned(),
        app_id: app.app_id,
        app_token: reg.app_token,
    })
    .await?;
    Ok(Arc::new(nas))
}

struct Round {
    first: Duration,
    complete: Duration,
    entries: usize,
    max_page: Duration,
    median_page: Duration,
    max_page_cpu: Duration,
}

/// One listing as the pane gets it.
async fn one_round(vfs: &VfsHandle, dir: &VPath) -> Result<Round> {
    let (mut app, cmds) = App::new(
        Pane::new(vfs.clone(), dir.clone()),
        Pane::new(vfs.clone(), VPath::root()),
        Keymap::default(),
        Theme::built_in_default(),
    );
    app.update(Msg::Resize(120, 40));
    let Some(Cmd::List {
        side, req, sort, ..
    }) = cmds.into_iter().next()
    else {
        bail!("no listing asked for")
    };
    let mut term = Terminal::new(TestBackend::new(120, 40))?;
    let t0 = Instant::now();
    let mut pages = list_retrying(
        vfs.clone(),
        dir.clone(),
        RetryPolicy::INTERACTIVE,
        CancellationToken::new(),
    )
    .await?;
    let mut first = None;
    let mut page_times = Vec::new();
    let mut max_page_cpu = Duration::ZERO;
    while let Some(page) = pages.next().await {
        let mut page = page?;
        // The listing task sorts each page before it goes to the app, off the UI
        // thread (runtime/effects.rs `list`).
        sort.sort(&mut page);
        // What the UI thread pays for a page: the update and the frame it causes.
        let t = Instant::now();
        let cpu = thread_cpu();
        app.update(Msg::Listed {
            side,
            req,
            page: Ok(page),
            done: false,
        });
        term.draw(|f| nascmd::ui::draw(f, &app))?;
        page_times.push(t.elapsed());
        max_page_cpu = max_page_cpu.max(thread_cpu().saturating_sub(cpu));
        first.get_or_insert_with(|| t0.elapsed());
    }
    app.update(Msg::Listed {
        side,
        req,
        page: Ok(Vec::new()),
        done: true,
    });
    term.draw(|f| nascmd::ui::draw(f, &app))?;
    let complete = t0.elapsed();
    page_times.sort_unstable();
    let max_page = page_times.last().copied().unwrap_or_default();
    let median_page = page_times
        .get(page_times.len() / 2)
        .copied()
        .unwrap_or_default();
    let entries = app.panes[0].entries();
    let names: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    if unique.len() != names.len() {
        bail!("{} names listed twice", names.len() - unique.len());
    }
    // Checked pairwise, not on a sorted copy: a copy would add its own 100 000 entries
    // to the peak RSS.
    let sort = &app.panes[0].sort;
    if entries
        .windows(2)
        .any(|w| sort.compare(&w[0], &w[1]) == std::cmp::Ordering::Greater)
    {
        bail!("the pane's entries are not in its sort order");
    }
    Ok(Round {
        first: first.unwrap_or(complete),
        complete,
        entries: entries.len(),
        max_page,
        median_page,
        max_page_cpu,
    })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [kind, url, user, dir, rounds] = args.as_slice() else {
        bail!("usage: huge_folder qnap|freebox URL USER|- DIR ROUNDS");
    };
    let rounds: usize = rounds.parse().context("ROUNDS")?;
    // As the binary does at start (`cli::main`): the RSS measured is the binary's.
    nascmd::memory::keep_big_blocks_apart();
    let dir = VPath::parse(dir).context("DIR")?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async {
        let vfs = match kind.as_str() {
            "qnap" => connect_qnap(url, user).await?,
            "freebox" => connect_freebox(url).await?,
            other => bail!("unknown kind {other}"),
        };
        let mut expected = None;
        for n in 1..=rounds {
            let r = one_round(&vfs, &dir).await?;
            if *expected.get_or_insert(r.entries) != r.entries {
                bail!(
                    "round {n} listed {} entries, round 1 {expected:?}",
                    r.entries
                );
            }
            println!(
                "round {n} first_ms {:.1} complete_ms {:.1} entries {} max_page_ms {:.2} median_page_ms {:.2} max_page_cpu_ms {:.2}",
                millis(r.first),
                millis(r.complete),
                r.entries,
                millis(r.max_page),
                millis(r.median_page),
                millis(r.max_page_cpu)
            );
        }
        println!("peak_rss_kib {}", peak_rss_kib());
        Ok(())
    })
}
