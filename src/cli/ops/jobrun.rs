//! Running job-engine jobs from the command line: start them, draw progress on stderr
//! (only when it is a terminal), answer conflicts by the chosen policy, interrupt them on
//! Ctrl-C, and add up what happened.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc::unbounded_channel;

use crate::jobs::journal::{JobHeader, JobPlaces, Journal};
use crate::jobs::{
    ConflictAnswer, EngineOptions, ItemError, JobEngine, JobEvent, JobId, JobSpec, RetryPolicy,
};

/// What all the jobs of one command did.
#[derive(Debug, Default)]
pub struct Totals {
    pub items_done: u64,
    pub items_skipped: u64,
    /// Source entries refused for their names (escaped, shortened).
    pub skipped_names: Vec<String>,
    /// Items written under a terminal-safe local name (`JobReport::renamed`).
    pub renamed: Vec<String>,
    /// What the jobs said about themselves (`JobReport::notes`), each once.
    pub notes: Vec<String>,
    pub bytes_done: u64,
    pub failed: Vec<ItemError>,
    pub interrupted: bool,
    /// The jobs started over (`--no-resume`): an interrupted run says how to go on.
    pub no_resume: bool,
}

/// Ctrl-C for a command that runs jobs (`get`, `put`, `cp`, `mv`, `rm`, `sync`), listened
/// for from its first instant (`cli::Ctrl`, made before the login). Until the command's
/// jobs start ([`Runner::new`]) a Ctrl-C ends it at once ([`Interrupts::before_jobs`]:
/// nothing was written yet); from then on it goes to [`Runner::wait`], which interrupts
/// the jobs and reports. Either way the command says [`interrupted`] and exits with
/// `exit::FAILURE`.
#[derive(Clone, Default)]
pub struct Interrupts(Arc<InterruptState>);

#[derive(Default)]
struct InterruptState {
    jobs_started: AtomicBool,
    late: tokio::sync::Notify,
}

impl Interrupts {
    /// Resolves on a Ctrl-C that comes before the jobs start; hands each later one to
    /// the jobs. Polled beside the command itself, on its task.
    pub async fn before_jobs(&self, ctrl: crate::cli::Ctrl) {
        loop {
            ctrl.pressed().await;
            if !self.0.jobs_started.load(Ordering::SeqCst) {
                return;
            }
            // Kept until the runner asks, when it is not waiting yet.
            self.0.late.notify_one();
        }
    }

    fn jobs_start(&self) {
        self.0.jobs_started.store(true, Ordering::SeqCst);
    }

    async fn pressed(&self) {
        self.0.late.notified().await;
    }
}

/// The line a command interrupted by Ctrl-C ends with (before or during its jobs), and
/// its exit code. The journal keeps what the jobs did: the same command goes on — but
/// with `--no-resume` (`no_resume`) the same command starts over, so the line says to
/// run it without.
pub fn interrupted(no_resume: bool) -> u8 {
    eprintln!("nascmd: {}", interrupted_line(no_resume));
    crate::cli::exit::FAILURE
}

/// What [`interrupted`] says.
fn interrupted_line(no_resume: bool) -> &'static str {
    if no_resume {
        "interrupted; run it again without --no-resume to go on where this one stopped \
         (with --no-resume it starts over)"
    } else {
        "interrupted; the same command again goes on where this one stopped"
    }
}

/// Runs the jobs to the end. With `ConflictPolicy::Ask` (no flag given) an existing
/// target is never overwritten: it is skipped and reported as a failure that names the
/// flags to use. Jobs given with their places are journaled: the same command run
/// again after a kill or a failure takes up what the journal holds (unless `resume`
/// is off, which drops it).
pub async fn run_jobs(
    specs: Vec<(JobSpec, Option<JobPlaces>)>,
    quiet: bool,
    opts: EngineOptions,
    resume: bool,
    interrupts: &Interrupts,
) -> Totals {
    let mut runner = Runner::new(quiet, opts, interrupts);
    let engine = runner.engine.clone();
    engine.set_resume(resume);
    let journal = Journal::of_user();
    engine.set_journal(journal.clone());
    let mut pending: HashSet<JobId> = HashSet::new();
    for (spec, places) in specs {
        let id = match places {
            Some(places) => {
                if resume
                    && !quiet
                    && let Some(entry) =
                        JobHeader::of(&spec, &places).and_then(|h| journal.find(&h))
                {
                    eprintln!("nascmd: {}", entry.resuming_line());
                }
                engine.start_journaled(spec, &places)
            }
            None => engine.start(spec),
        };
        pending.insert(id);
    }
    let mut totals = runner.wait(pending).await;
    totals.no_resume = !resume;
    totals
}

/// An engine whose jobs' events are drawn and added up here, for commands that start
/// jobs in stages (`nascmd sync`: its deletes only after its copies).
pub struct Runner {
    engine: JobEngine,
    events: tokio::sync::mpsc::UnboundedReceiver<JobEvent>,
    bars: Bars,
    interrupts: Interrupts,
}

impl Runner {
    /// From here on a Ctrl-C interrupts the jobs instead of ending the command at once.
    pub fn new(quiet: bool, opts: EngineOptions, interrupts: &Interrupts) -> Self {
        interrupts.jobs_start();
        let (tx, events) = unbounded_channel();
        Runner {
            engine: JobEngine::with_options(tx, opts),
            events,
            bars: Bars::new(!quiet && std::io::stderr().is_terminal()),
            interrupts: interrupts.clone(),
        }
    }

    pub fn engine(&self) -> &JobEngine {
        &self.engine
    }

    /// Waits for the jobs `pending` (started on [`Runner::engine`]) to finish.
    pub async fn wait(&mut self, mut pending: HashSet<JobId>) -> Totals {
        let (engine, rx, bars) = (&self.engine, &mut self.events, &self.bars);
        let mut totals = Totals::default();
        let mut interrupted = false;
        let ctrl_c = self.interrupts.pressed();
        tokio::pin!(ctrl_c);
        while !pending.is_empty() {
            tokio::select! {
                ev = rx.recv() => {
                    let Some(ev) = ev else { break };
                    match ev {
                        JobEvent::Started { id, title, .. } => bars.start(id, &title),
                        JobEvent::Progress { id, progress } => bars.progress(id, &progress),
                        JobEvent::Conflict { id, target, .. } => {
                            totals.failed.push(ItemError {
                                path: target.to_string(),
                                message: "already exists (use --overwrite, --skip or --newer)"
                                    .to_owned(),
                            });
                            engine.answer_conflict(id, ConflictAnswer::Skip, false);
                        }
                        JobEvent::StaleRemoved { folder, names, bytes, .. } => {
                            // Told even with --quiet: files of the user's folder went away.
                            bars.suspend(|| {
                                eprintln!("nascmd: {}", crate::jobs::stale::describe(&folder, names.len(), bytes));
                                for name in &names {
                                    eprintln!("nascmd:   {}", crate::names::escape(name));
                                }
                            });
                        }
                        JobEvent::Finished { id, report } => {
                            bars.finish(id);
                            pending.remove(&id);
                            totals.items_done += report.items_done;
                            totals.items_skipped += report.items_skipped;
                            totals.skipped_names.extend(report.skipped_names);
                            totals.renamed.extend(report.renamed);
                            for note in report.notes {
                                if !totals.notes.contains(&note) {
                                    totals.notes.push(note);
                                }
                            }
                            totals.bytes_done += report.bytes_done;
                            totals.failed.extend(report.failed);
                            totals.interrupted |= report.cancelled;
                        }
                    }
                }
                _ = &mut ctrl_c, if !interrupted => {
                    // Cancel cleanly: the engine removes its temporary files; wait for it.
                    // The journal stays, so the same command goes on where this one stopped.
                    interrupted = true;
                    for id in &pending {
                        engine.interrupt(*id);
                    }
                }
            }
        }
        totals.interrupted |= interrupted;
        totals
    }
}

/// The jobs' retry policy: `--retry-for`, else the config's `[jobs] retry_for` (checked
/// when the file was loaded), else the default.
pub fn retry_policy(flag: Option<Duration>, config: &crate::config::Config) -> RetryPolicy {
    let retry_for = flag
        .or_else(|| config.jobs.retry_for().ok())
        .unwrap_or(RetryPolicy::DEFAULT_RETRY_FOR);
    RetryPolicy::with_retry_for(retry_for)
}

/// Progress bars on stderr, one per job; nothing at all when hidden.
struct Bars {
    multi: Option<MultiProgress>,
    bars: std::sync::Mutex<HashMap<JobId, ProgressBar>>,
}

impl Bars {
    fn new(visible: bool) -> Self {
        Bars {
            multi: visible.then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
            bars: Default::default(),
        }
    }

    fn start(&self, id: JobId, title: &str) {
        let Some(multi) = &self.multi else { return };
        let bar = multi.add(ProgressBar::new(0).with_style(bar_style(true)));
        bar.set_prefix(line_title(title));
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut bars) = self.bars.lock() {
            bars.insert(id, bar);
        }
    }

    fn progress(&self, id: JobId, p: &crate::jobs::JobProgress) {
        if let Ok(bars) = self.bars.lock()
            && let Some(bar) = bars.get(&id)
        {
            bar.set_length(p.bytes_total);
            bar.set_position(p.bytes_done);
            // While a file waits to reconnect, a rate and an ETA would be made up: the
            // line says what is happening instead.
            bar.set_style(bar_style(p.reconnecting.is_none() && !p.finishing));
            bar.set_message(progress_message(p));
        }
    }

    /// Runs `f` (printing lines) with the bars out of the way.
    fn suspend(&self, f: impl FnOnce()) {
        match &self.multi {
            Some(multi) => multi.suspend(f),
            None => f(),
        }
    }

    fn finish(&self, id: JobId) {
        if let Ok(mut bars) = self.bars.lock()
            && let Some(bar) = bars.remove(&id)
        {
            bar.finish_and_clear();
        }
    }
}

/// The progress line, with rate and ETA only while bytes are moving. Otherwise it says
/// what happens instead (reconnecting, a NAS error, finishing on the NAS), in a line
/// that fits 80 columns: the title is cut to leave that state its room.
fn bar_style(moving: bool) -> ProgressStyle {
    ProgressStyle::with_template(template(moving))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

fn template(moving: bool) -> &'static str {
    if moving {
        // Two lines, each as wide as the terminal and no wider (one line of title, file,
        // bar and figures wrapped at 80 columns, and a wrapped bar is drawn again below
        // itself on every tick).
        "{prefix} {wide_msg}\n  [{wide_bar}] {percent:>3}% {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}"
    } else {
        "{prefix:24!} {percent:>3}% {wide_msg}"
    }
}

/// Room a job's title takes on its progress line: what is left goes to the file.
const TITLE_COLUMNS: usize = 48;

/// The job's title as its progress line starts with it: escaped, cut to
/// `TITLE_COLUMNS`.
fn line_title(title: &str) -> String {
    let escaped = crate::names::escape(title);
    let width = unicode_width::UnicodeWidthStr::width(escaped.as_ref());
    crate::ui::fit(&escaped, width.min(TITLE_COLUMNS))
}

/// "3/300 /photos/a.jpg"; while no bytes move, what happens instead:
/// "reconnecting — next try in 12 s (attempt 4)", "finishing on the NAS…".
fn progress_message(p: &crate::jobs::JobProgress) -> String {
    match &p.reconnecting {
        Some(r) => r.describe(),
        None if p.finishing => crate::jobs::FINISHING.to_owned(),
        None => format!("{}/{} {}", p.items_done, p.items_total, p.current),
    }
}

/// Reports failures on stderr (one line each) and turns the totals into an exit code.
pub fn report(totals: &Totals, quiet: bool, verb: &str, started: Instant) -> u8 {
    use crate::cli::exit;
    use crate::names::{escape, shorten};
    for change in &totals.renamed {
        // Already escaped and shortened by the planner, with its reason.
        eprintln!("nascmd: renamed {change}");
    }
    if !quiet {
        for note in &totals.notes {
            eprintln!("nascmd: {note}");
        }
    }
    for name in &totals.skipped_names {
        // Already escaped and shortened where the listing refused it.
        eprintln!(
            "nascmd: skipped {}: not a usable file name",
            shorten(name, 160)
        );
    }
    for f in &totals.failed {
        // One readable line per failure, whatever length of name a server sent.
        eprintln!(
            "nascmd: {}: {}",
            shorten(&escape(&f.path), 160),
            shorten(&escape(&f.message), 300)
        );
    }
    if totals.interrupted {
        return interrupted(totals.no_resume);
    }
    if !quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "{verb} {}, {} in {:.1} s{}",
            crate::plural::count(totals.items_done, "item", "items"),
            humansize::format_size(totals.bytes_done, humansize::BINARY),
            started.elapsed().as_secs_f64(),
            if totals.items_skipped > 0 {
                format!(", {} skipped", totals.items_skipped)
            } else {
                String::new()
            }
        );
    }
    if totals.failed.is_empty() {
        return exit::OK;
    }
    eprintln!(
        "nascmd: {} failed, {} done",
        crate::plural::count(totals.failed.len() as u64, "item", "items"),
        totals.items_done
    );
    // "Partial" only when something did succeed.
    if totals.items_done == 0 {
        exit::FAILURE
    } else {
        exit::PARTIAL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::{JobProgress, Reconnecting, RetryCause};

    #[test]
    fn both_progress_lines_are_valid_templates() {
        // An invalid one would fall back to indicatif's default bar without a word.
        for moving in [true, false] {
            assert!(ProgressStyle::with_template(template(moving)).is_ok());
        }
    }

    /// A terminal of 80 columns that keeps every line drawn on it.
    #[derive(Debug, Default, Clone)]
    struct Narrow(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

    impl indicatif::TermLike for Narrow {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.write_str(s)
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            if let Ok(mut lines) = self.0.lock() {
                lines.extend(s.split('\n').map(str::to_owned));
            }
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn at_80_columns_a_moving_line_never_wraps() {
        let term = Narrow::default();
        let bar = ProgressBar::with_draw_target(
            Some(124 << 20),
            ProgressDrawTarget::term_like(Box::new(term.clone())),
        )
        .with_style(bar_style(true));
        bar.set_prefix(line_title(
            "Copy /Public/photos/holidays/2026/summer to /home/someone/pictures/from-the-nas",
        ));
        bar.set_message("3/300 /Public/photos/holidays/2026/summer/a-rather-long-name.jpg");
        bar.set_position(19 << 20);
        bar.tick();
        let lines = term.0.lock().expect("lines").clone();
        let drawn: Vec<&String> = lines.iter().filter(|l| !l.trim().is_empty()).collect();
        assert!(drawn.len() >= 2, "{lines:?}");
        for line in &drawn {
            let width = unicode_width::UnicodeWidthStr::width(line.as_str());
            assert!(width <= 80, "{width} columns: {line:?}");
        }
        assert!(
            drawn.iter().any(|l| l.starts_with("Copy /Public/photos")),
            "{lines:?}"
        );
        assert!(drawn.iter().any(|l| l.contains("3/300")), "{lines:?}");
        assert!(drawn.iter().any(|l| l.contains("15%")), "{lines:?}");
    }

    #[test]
    fn a_line_without_moving_bytes_says_what_happens_instead() {
        let p = JobProgress {
            items_done: 2,
            items_total: 3,
            current: "/photos/a.jpg".into(),
            ..JobProgress::default()
        };
        assert_eq!(progress_message(&p), "2/3 /photos/a.jpg");
        let finishing = JobProgress {
            finishing: true,
            ..p.clone()
        };
        assert_eq!(progress_message(&finishing), "finishing on the NAS…");
        let failing = JobProgress {
            reconnecting: Some(Reconnecting {
                next_try_in: 4,
                attempt: 3,
                cause: RetryCause::Http(500),
            }),
            ..p
        };
        assert_eq!(
            progress_message(&failing),
            "NAS error (HTTP 500) — next try in 4 s (attempt 3)"
        );
    }
}
